import { describe, expect, it } from 'vitest';
import { statusView, type StatusPieces } from '../../../src/daemon/status-view.js';
import { loadProject } from '../../../src/model/load.js';
import type { BacklogStatus } from '../../../src/protocol/status.js';
import { imageFunction, useTempProjects } from '../model/temp-project.js';

const tempProject = useTempProjects();

const TICKER = `    triggers:
      dapr: [{ name: cron, type: bindings.cron }]
    bindings:
      cron: { type: bindings.cron, version: v1, metadata: [{ name: schedule, value: "@every 2s" }] }
    scaleOptions: { minReplicas: 1, maxReplicas: 3 }`;

const BACKLOG: BacklogStatus = { trigger: 'kafka', value: 7, threshold: 5, at: '2024-01-01T00:00:00.000Z', pollingInterval: 30, cooldownPeriod: 300 };

async function pieces(over: Partial<StatusPieces> = {}): Promise<StatusPieces> {
  const dir = await tempProject({ 'functions.yaml': [imageFunction('hello'), imageFunction('go-hello'), imageFunction('ticker', TICKER)].join('---\n') });
  const model = await loadProject([dir], { cwd: dir });
  return {
    project: 'p-1',
    root: dir,
    runtime: 'process',
    dapr: 'embedded',
    gateway: { url: 'http://localhost:8480', port: 8480 },
    domain: 'ofn.localhost',
    model,
    events: undefined,
    services: [],
    deployments: [],
    pool: (key) => (key === 'default/ticker' ? { state: 'ready', replicas: 1 } : { state: 'scaled-to-zero', replicas: 0 }),
    language: (key) => (key === 'default/go-hello' ? 'go' : key === 'default/hello' ? 'node' : undefined),
    image: (key) => (key === 'default/hello' ? 'ofn-local/hello:abc' : undefined),
    backlog: (key) => (key === 'default/ticker' ? BACKLOG : undefined),
    ...over,
  };
}

describe('the status view', () => {
  it("shows each function's pool, scale bounds, sidecar and URLs: a Go function's main URL is its host route, an async one has none", async () => {
    const p = await pieces();
    const status = statusView(p);
    expect(status).toEqual({
      project: 'p-1',
      root: p.root,
      runtime: 'process',
      dapr: 'embedded',
      gateway: 'http://localhost:8480',
      functions: [
        {
          name: 'hello',
          namespace: 'default',
          runtime: 'knative',
          state: 'scaled-to-zero',
          replicas: 0,
          minReplicas: 0,
          maxReplicas: expect.any(Number),
          url: 'http://localhost:8480/default/hello',
          hostUrl: 'http://hello.default.ofn.localhost:8480/',
          image: 'ofn-local/hello:abc',
        },
        {
          name: 'go-hello',
          namespace: 'default',
          runtime: 'knative',
          state: 'scaled-to-zero',
          replicas: 0,
          minReplicas: 0,
          maxReplicas: expect.any(Number),
          url: 'http://go-hello.default.ofn.localhost:8480/',
          hostUrl: 'http://localhost:8480/default/go-hello',
          image: undefined,
        },
        {
          name: 'ticker',
          namespace: 'default',
          runtime: 'async',
          state: 'ready',
          replicas: 1,
          minReplicas: 1,
          maxReplicas: 3,
          daprAppId: 'ticker-default',
          daprComponents: [{ name: 'cron', type: 'bindings.cron' }],
          backlog: BACKLOG,
          url: '',
          hostUrl: '',
          image: undefined,
        },
      ],
    });
    // Nothing to say is left out, not sent empty.
    expect(Object.keys(status)).not.toContain('events');
    expect(Object.keys(status)).not.toContain('services');
    expect(Object.keys(status)).not.toContain('deployments');
    expect(Object.keys(status.functions[0]!)).not.toContain('backlog');
    expect(Object.keys(status.functions[0]!)).not.toContain('daprAppId');
  });

  it('shows the event sources, backing services and Deployments when there are any, on the domain given', async () => {
    const events = [{ namespace: 'default', eventSource: 'shop', kind: 'http' as const, event: 'created', state: 'webhook' as const }];
    const services = [{ name: 'redis', type: 'redis', address: '127.0.0.1:6379', state: 'running' as const, restarts: 0 }];
    const deployments = [{ name: 'producer', namespace: 'default', state: 'ready', replicas: 1, desiredReplicas: 1, image: 'example/producer:latest', daprAppId: 'producer' }];
    const status = statusView(await pieces({ events, services, deployments, domain: 'example.test', dapr: 'daprd', runtime: 'docker' }));
    expect(status).toMatchObject({ events, services, deployments, dapr: 'daprd', runtime: 'docker' });
    expect(status.functions[0]!.hostUrl).toBe('http://hello.default.example.test:8480/');
  });
});
