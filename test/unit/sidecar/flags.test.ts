import { describe, expect, it } from 'vitest';

import { parseQuantity } from '../../../src/dapr-components/metadata.js';
import { parseSidecarFlags } from '../../../src/sidecar/flags.js';

describe('daprd command line', () => {
  it('reads the flags `dapr run -H 3500 -G 50001 -p 8080 -d dir -a id` produces, single or double dash, = or space', () => {
    const f = parseSidecarFlags([
      '--app-id', 'async_dapr', '-app-port=8080', '--dapr-http-port', '3500', '-dapr-grpc-port', '50001',
      '--components-path', 'a', '--resources-path=b,c', '--log-level', 'debug', '--log-as-json', '--app-protocol', 'http',
    ]);
    expect(f).toMatchObject({
      appId: 'async_dapr',
      appPort: 8080,
      httpPort: 3500,
      grpcPort: 50001,
      resourcesPaths: ['b', 'c', 'a'],
      logLevel: 'debug',
      logAsJson: true,
      appProtocol: 'http',
      appChannelAddress: '127.0.0.1',
      maxBodySize: 4 * 1024 * 1024,
    });
  });

  it('has daprd defaults and no app channel without --app-port', () => {
    const f = parseSidecarFlags([]);
    expect(f.appPort).toBeUndefined();
    expect(f.httpPort).toBe(3500);
    expect(f.grpcPort).toBe(50001);
    expect(f.logLevel).toBe('info');
    expect(f.appMaxConcurrency).toBe(-1);
  });

  it('accepts flags it does not act on and lists them', () => {
    const f = parseSidecarFlags(['--placement-host-address', 'x:50005', '--enable-metrics=false', '--metrics-port', '9091', '--enable-mtls']);
    expect(f.ignored.map((i) => i.flag)).toEqual(['--placement-host-address', '--enable-metrics', '--metrics-port', '--enable-mtls']);
  });

  it('refuses unknown flags, TLS and h2c app protocols, kubernetes mode and port clashes with clear messages', () => {
    expect(() => parseSidecarFlags(['--no-such-flag'])).toThrow(/unknown flag --no-such-flag/);
    expect(parseSidecarFlags(['--app-protocol', 'grpc']).appProtocol).toBe('grpc');
    expect(() => parseSidecarFlags(['--app-protocol', 'grpcs'])).toThrow(/--app-protocol grpcs is not supported/);
    expect(() => parseSidecarFlags(['--app-protocol', 'grpc', '--app-ssl'])).toThrow(/--app-protocol grpcs is not supported/);
    expect(() => parseSidecarFlags(['--app-protocol', 'h2c'])).toThrow(/--app-protocol h2c is not supported/);
    expect(() => parseSidecarFlags(['--app-protocol', 'soap'])).toThrow(/must be one of/);
    expect(() => parseSidecarFlags(['--mode', 'kubernetes'])).toThrow(/standalone mode only/);
    expect(() => parseSidecarFlags(['--app-port', '3500'])).toThrow(/may not equal/);
    expect(() => parseSidecarFlags(['--app-port', 'eighty'])).toThrow(/port number/);
    expect(() => parseSidecarFlags(['--app-id'])).toThrow(/needs a value/);
  });

  it('reads body sizes as quantities, with --max-body-size winning over the deprecated MB flag', () => {
    expect(parseSidecarFlags(['--dapr-http-max-request-size', '8']).maxBodySize).toBe(8 * 1024 * 1024);
    expect(parseSidecarFlags(['--dapr-http-max-request-size', '8', '--max-body-size', '10Mi']).maxBodySize).toBe(10 * 1024 * 1024);
    expect(parseQuantity('16Ki')).toBe(16384);
    expect(parseQuantity('1k')).toBe(1000);
    expect(parseQuantity('12')).toBe(12);
    expect(parseQuantity('4Xi')).toBeUndefined();
  });

  it('checks the app health probe timeout against the interval', () => {
    expect(() => parseSidecarFlags(['--app-health-probe-interval', '1', '--app-health-probe-timeout', '2000'])).toThrow(/must not be greater/);
    expect(parseSidecarFlags(['--enable-app-health-check', '--app-health-probe-interval', '2']).appHealth).toMatchObject({ enabled: true, intervalMs: 2000, timeoutMs: 500, threshold: 3, path: '/healthz' });
  });

  it('strips brackets from listen addresses later, keeps them comma separated here', () => {
    expect(parseSidecarFlags(['--dapr-listen-addresses', '[::1],127.0.0.1']).listenAddresses).toEqual(['[::1]', '127.0.0.1']);
  });
});
