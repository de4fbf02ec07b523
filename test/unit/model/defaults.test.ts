import { describe, expect, it } from 'vitest';
import { applyWebhookDefaults } from '../../../src/model/defaults.js';
import type { FunctionV1beta2 } from '../../../src/model/function-schema.js';

function fn(spec: Partial<FunctionV1beta2['spec']>, annotations?: Record<string, string>): FunctionV1beta2 {
  return {
    apiVersion: 'core.openfunction.io/v1beta2',
    kind: 'Function',
    metadata: { name: 'f', ...(annotations ? { annotations } : {}) },
    spec: { image: 'example/f:v1', ...spec },
  };
}

const defaultRoute = { gatewayRef: { name: 'openfunction', namespace: 'openfunction' } };

describe('applyWebhookDefaults (the v1beta2 mutating webhook)', () => {
  it('sets version "latest" when empty', () => {
    expect(applyWebhookDefaults(fn({})).spec.version).toBe('latest');
    expect(applyWebhookDefaults(fn({ version: '' })).spec.version).toBe('latest');
    expect(applyWebhookDefaults(fn({ version: 'v2' })).spec.version).toBe('v2');
  });

  it('gives a serving without Dapr triggers an HTTP trigger on 8080 and the default gateway', () => {
    expect(applyWebhookDefaults(fn({ serving: {} })).spec.serving?.triggers).toEqual({
      http: { port: 8080, route: defaultRoute },
    });
    expect(applyWebhookDefaults(fn({ serving: { triggers: { dapr: [] } } })).spec.serving?.triggers).toEqual({
      dapr: [],
      http: { port: 8080, route: defaultRoute },
    });
    expect(
      applyWebhookDefaults(fn({ serving: { triggers: { http: { port: 0 } } } })).spec.serving?.triggers?.http?.port,
    ).toBe(8080);
  });

  it('leaves async functions without an HTTP trigger', () => {
    const out = applyWebhookDefaults(fn({ serving: { triggers: { dapr: [{ name: 'cron' }] } } }));
    expect(out.spec.serving?.triggers).toEqual({ dapr: [{ name: 'cron' }] });
  });

  it('keeps a given port and route, adding only a missing gatewayRef', () => {
    const out = applyWebhookDefaults(
      fn({ serving: { triggers: { http: { port: 9000, route: { hostnames: ['a.example.com'] } } } } }),
    );
    expect(out.spec.serving?.triggers?.http).toEqual({
      port: 9000,
      route: { hostnames: ['a.example.com'], gatewayRef: defaultRoute.gatewayRef },
    });
    const custom = { gatewayRef: { name: 'gw', namespace: 'ns' } };
    expect(
      applyWebhookDefaults(fn({ serving: { triggers: { http: { route: custom } } } })).spec.serving?.triggers?.http?.route,
    ).toEqual(custom);
  });

  it('does not add serving to a build-only Function', () => {
    const build = { builder: 'b', srcRepo: { url: './src' } };
    expect(applyWebhookDefaults(fn({ build })).spec.serving).toBeUndefined();
  });

  it('handles WasmEdge functions: variant annotation, build strategy, runtime class', () => {
    const out = applyWebhookDefaults(
      fn({
        workloadRuntime: 'WasmEdge',
        build: { builder: 'b', srcRepo: { url: './src' } },
        serving: { template: { containers: [] } },
      }),
    );
    expect(out.metadata.annotations).toEqual({ 'module.wasm.image/variant': 'compat-smart' });
    expect(out.spec.build?.shipwright?.strategy).toEqual({ name: 'wasmedge', kind: 'ClusterBuildStrategy' });
    expect(out.spec.serving?.annotations).toEqual({ 'module.wasm.image/variant': 'compat-smart' });
    expect(out.spec.serving?.template?.['runtimeClassName']).toBe('openfunction-crun');
  });

  it('does not change its input', () => {
    const input = fn({ serving: {} });
    applyWebhookDefaults(input);
    expect(input.spec).toEqual({ image: 'example/f:v1', serving: {} });
  });
});
