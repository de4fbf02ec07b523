import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import type { JournalEntry } from '../../src/protocol/journal.js';
import { hasDocker } from '../helpers/engine.js';
import { request, waitFor } from '../helpers/http.js';
import { tempProject } from '../helpers/temp-project.js';

// The same behaviour on both runtimes: Docker when an engine answers, host processes always.
const runtimes = (hasDocker ? ['process', 'docker'] : ['process']) as ('process' | 'docker')[];

describe.each(runtimes)('serving a sync function (%s runtime)', (runtime) => {
  let daemon: Daemon;
  let cleanup: () => Promise<void>;
  let base: string;
  const entries: JournalEntry[] = [];

  beforeAll(async () => {
    const project = await tempProject('test/fixtures/projects/probe');
    cleanup = project.cleanup;
    daemon = await Daemon.start({
      inputs: [project.dir],
      cwd: project.dir,
      port: 0,
      idleTimeoutMs: 2000,
      readyTimeoutMs: 30_000,
      runtime,
      zeroMode: 'stop',
      onEvent: (e) => entries.push(e),
    });
    expect(daemon.failures()).toEqual([]);
    base = `http://127.0.0.1:${daemon.gatewayPort}`;
  });

  afterAll(async () => {
    await daemon?.stop();
    await cleanup?.();
  });

  it('serves the path-based URL with the path kept and the cluster Host, env and FUNC_CONTEXT', async () => {
    const res = await request(`${base}/default/probe/hello?x=1`);
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body);
    expect(seen.url).toBe('/default/probe/hello?x=1');
    expect(seen.host).toBe('probe.default.svc.cluster.local');
    expect(seen.greeting).toBe('hi from params');
    expect(seen.podNamespace).toBe('default');
    expect(seen.podName).toBeTruthy();
    expect(seen.funcContext).toEqual({ name: 'probe', version: 'v2.0.0', runtime: 'Knative', port: '8080' });
  });

  it('serves the host-based URL', async () => {
    const res = await request(`${base}/anything`, { headers: { host: `probe.default.ofn.localhost:${daemon.gatewayPort}` } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ url: '/anything', forwardedHost: `probe.default.ofn.localhost:${daemon.gatewayPort}` });
  });

  it('answers 404 naming the functions for an unknown route', async () => {
    const res = await request(`${base}/default/nope`);
    expect(res.status).toBe(404);
    expect(res.body).toContain('/default/probe');
  });

  it('gives 500 for a throwing function and keeps serving', async () => {
    const bad = await request(`${base}/default/probe/throw`);
    expect(bad.status).toBe(500);
    expect(bad.headers['x-openfunction-status']).toBe('crash');
    const good = await request(`${base}/default/probe/ok`);
    expect(good.status).toBe(200);
  });

  it('adds an instance when concurrency passes the target', async () => {
    // target is 1 per instance: three slow requests at once need more than one instance.
    const replies = await Promise.all([1, 2, 3].map(() => request(`${base}/default/probe/slow?sleep=1500`)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    // As in Knative, requests already routed stay put; the extra instance serves what comes next.
    await waitFor(() => entries.some((e) => e.type === 'function.scaled' && e.to >= 2), 30_000, 'a second instance');
    expect(daemon.pool('default', 'probe')!.replicas).toBeGreaterThanOrEqual(2);
  });

  it('scales to zero when idle, and a cold request then succeeds', async () => {
    await waitFor(() => daemon.pool('default', 'probe')!.state === 'scaled-to-zero', 30_000, 'scale to zero');
    expect(entries.some((e) => e.type === 'instance.suspended')).toBe(true);
    const res = await request(`${base}/default/probe/cold`);
    expect(res.status).toBe(200);
    const last = entries.filter((e) => e.type === 'request.completed').at(-1);
    expect(last).toMatchObject({ type: 'request.completed', status: 200, cold: true, path: '/default/probe/cold' });
  });
});
