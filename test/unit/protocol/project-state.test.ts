import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../../src/protocol/journal.js';
import { addNotice, applyEvent, applyEvents, applyStatus, initialState, LIMITS, p50, replay, requestsPerSecond, type ProjectState } from '../../../src/protocol/project-state.js';
import { journal, STATUS } from '../tui/helpers.js';

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

const FN = 'default/hello';

describe('applyEvent', () => {
  it('follows a function from building to ready to scaled to zero', () => {
    const j = journal();
    let s = initialState();
    s = applyEvent(s, j.entry({ type: 'project.loaded', root: '/p', functions: [FN], warnings: [] }));
    expect(s.functions[FN]).toMatchObject({ name: 'hello', namespace: 'default', state: 'pending', instances: 0 });
    s = applyEvent(s, j.entry({ type: 'function.state', fn: FN, state: 'building' }));
    s = applyEvent(s, j.entry({ type: 'build.started', fn: FN }));
    expect(s.functions[FN]!.change).toMatchObject({ what: 'build', phase: 'running' });
    s = applyEvent(s, j.entry({ type: 'build.log', fn: FN, line: 'added 3 packages' }));
    s = applyEvent(s, j.entry({ type: 'build.finished', fn: FN, cached: false, durationMs: 2100 }));
    s = applyEvent(s, j.entry({ type: 'function.state', fn: FN, state: 'ready' }));
    s = applyEvent(s, j.entry({ type: 'instance.ready', fn: FN, instance: 'default-hello-1', cold: true, durationMs: 300 }));
    s = applyEvent(s, j.entry({ type: 'function.scaled', fn: FN, from: 0, to: 1, reason: 'request' }));
    expect(s.functions[FN]).toMatchObject({ state: 'ready', instances: 1, change: { what: 'build', phase: 'done', durationMs: 2100 } });
    s = applyEvent(s, j.entry({ type: 'instance.suspended', fn: FN, instance: 'default-hello-1', mode: 'stop' }));
    s = applyEvent(s, j.entry({ type: 'function.scaled', fn: FN, from: 1, to: 0, reason: 'idle' }));
    s = applyEvent(s, j.entry({ type: 'function.state', fn: FN, state: 'scaled-to-zero' }));
    expect(s.functions[FN]).toMatchObject({ state: 'scaled-to-zero', instances: 0 });
    expect(s.functions[FN]!.logs.map((l) => `${l.source}: ${l.text}`)).toEqual([
      'ofn: building',
      'build: added 3 packages',
      'ofn: built in 2100 ms',
      'ofn: default-hello-1 ready in 300 ms (cold start)',
      'ofn: scaled 0 → 1 (request)',
      'ofn: default-hello-1 stopped (scaled to zero)',
      'ofn: scaled 1 → 0 (idle)',
    ]);
  });

  it('counts requests, keeps requests/s and the p50, and shows each request with its hops', () => {
    const j = journal(Date.parse('2025-01-02T10:00:00.000Z'), 0);
    let s = initialState();
    const entries: JournalEntry[] = [];
    for (let i = 0; i < 20; i++) {
      entries.push(j.entry({ type: 'request.completed', fn: FN, method: 'GET', path: '/default/hello', status: i === 19 ? 500 : 200, durationMs: i + 1, cold: i === 0, instance: 'default-hello-1' }, Date.parse('2025-01-02T10:00:00.000Z') + i * 250));
    }
    s = applyEvents(s, entries);
    const fn = s.functions[FN]!;
    expect(fn.requests).toEqual({ total: 20, errors: 1, cold: 1 });
    expect(s.totals).toMatchObject({ requests: 20, errors: 1 });
    // 20 requests within 5 s, over a 10 s window.
    expect(requestsPerSecond(fn, j.now)).toBe(2);
    expect(requestsPerSecond(fn, j.now + 60_000)).toBe(0);
    expect(p50(fn)).toBe(10);
    expect(s.events).toHaveLength(20);
    expect(s.events[19]).toMatchObject({ kind: 'request', title: 'GET /default/hello', status: 500, outcome: 'error', hops: [{ kind: 'gateway' }, { kind: 'instance', name: 'default-hello-1', outcome: 'error' }] });
    expect(s.events[0]).toMatchObject({ outcome: 'ok', cold: true });
  });

  it('keeps memory bounded under a flood of entries', () => {
    const j = journal(Date.parse('2025-01-02T10:00:00.000Z'), 1);
    let s = initialState();
    for (let batch = 0; batch < 50; batch++) {
      const entries: JournalEntry[] = [];
      for (let i = 0; i < 2000; i++) {
        entries.push(
          i % 2
            ? j.entry({ type: 'request.completed', fn: FN, method: 'GET', path: '/x', status: 200, durationMs: 1, cold: false })
            : j.entry({ type: 'instance.log', fn: FN, instance: 'i1', stream: 'stdout', line: `line ${i}` }),
        );
      }
      s = applyEvents(s, entries);
    }
    const fn = s.functions[FN]!;
    expect(fn.requests.total).toBe(50_000);
    expect(s.events.length).toBeLessThanOrEqual(LIMITS.events);
    expect(fn.logs.length).toBeLessThanOrEqual(LIMITS.logsPerFunction);
    expect(fn.latencies.length).toBeLessThanOrEqual(LIMITS.latencies);
    expect(fn.rate.length).toBeLessThanOrEqual(LIMITS.rateWindowS);
    expect(fn.logs[fn.logs.length - 1]!.text).toBe('line 1998');
  });

  it('is pure: the given state is never changed, and replayed entries change nothing', () => {
    const j = journal();
    const entries = [
      j.entry({ type: 'project.loaded', root: '/p', functions: [FN], warnings: [] }),
      j.entry({ type: 'request.completed', fn: FN, method: 'GET', path: '/', status: 200, durationMs: 2, cold: false }),
    ];
    const before: ProjectState = deepFreeze(applyEvents(initialState(), entries));
    const after = applyEvents(before, [j.entry({ type: 'request.completed', fn: FN, method: 'GET', path: '/', status: 200, durationMs: 4, cold: false }), j.entry({ type: 'instance.log', fn: FN, instance: 'i', stream: 'stderr', line: 'x' })]);
    expect(before.functions[FN]!.requests.total).toBe(1);
    expect(after.functions[FN]!.requests.total).toBe(2);
    expect(applyEvents(after, entries)).toEqual(after);
  });

  it('puts a broken save in the error banner with its file and line, and takes it out on recovery', () => {
    const j = journal();
    let s = applyEvent(initialState(), j.entry({ type: 'reload.started', fn: FN, path: 'fast', cause: ['index.js'] }));
    s = applyEvent(s, j.entry({ type: 'reload.failed', fn: FN, path: 'fast', message: 'SyntaxError: Unexpected token', file: 'index.js', line: 3 }));
    expect(s.lastError).toMatchObject({ fn: FN, file: 'index.js', line: 3, message: 'SyntaxError: Unexpected token' });
    expect(s.functions[FN]!.change).toMatchObject({ what: 'reload', phase: 'failed', message: 'index.js:3: SyntaxError: Unexpected token' });
    s = applyEvent(s, j.entry({ type: 'reload.finished', fn: FN, path: 'fast', timings: { detectMs: 1, syncMs: 2, restartMs: 3, totalMs: 180 } }));
    expect(s.lastError).toBeUndefined();
    expect(s.errors).toHaveLength(1);
    expect(s.functions[FN]!.change).toMatchObject({ what: 'reload', phase: 'done', path: 'fast', durationMs: 180 });
  });

  it('takes a manifest error out of the banner once the manifests load again, and shows the warnings of each load', () => {
    const j = journal();
    let s = applyEvent(initialState(), j.entry({ type: 'project.loaded', root: '/p', functions: [FN], warnings: ['fn.yaml: spec.foo: unknown field'] }));
    expect(s.notices).toEqual(['warning: fn.yaml: spec.foo: unknown field']);
    s = applyEvent(s, j.entry({ type: 'daemon.error', source: 'fn.yaml', code: 'ERR_MANIFEST', message: '1 error in the manifests', hint: 'fix the manifest' }));
    expect(s.lastError).toMatchObject({ title: 'fn.yaml', code: 'ERR_MANIFEST' });
    // The fix loads, with a new warning: the banner goes, the warnings are this load's.
    s = applyEvent(s, j.entry({ type: 'project.loaded', root: '/p', functions: [FN], warnings: ['t.yaml: spec.inputs.a.event: can never hold'] }));
    expect(s.lastError).toBeUndefined();
    expect(s.notices).toEqual(['warning: t.yaml: spec.inputs.a.event: can never hold']);
    // Other notices stay; a load without warnings leaves none of them.
    s = addNotice(s, 'notice: no Docker engine answers');
    s = applyEvent(s, j.entry({ type: 'project.loaded', root: '/p', functions: [FN], warnings: [] }));
    expect(s.notices).toEqual(['notice: no Docker engine answers']);
  });

  it('a load does not take out an error that is not about the manifests', () => {
    const j = journal();
    let s = applyEvent(initialState(), j.entry({ type: 'project.loaded', root: '/p', functions: [FN], warnings: [] }));
    s = applyEvent(s, j.entry({ type: 'reload.failed', fn: FN, path: 'fast', message: 'SyntaxError', file: 'index.js', line: 1 }));
    s = applyEvent(s, j.entry({ type: 'project.loaded', root: '/p', functions: [FN], warnings: [] }));
    expect(s.lastError).toMatchObject({ fn: FN, title: 'reload failed' });
  });

  it('shows a failed function with its reason', () => {
    const j = journal();
    let s = applyEvent(initialState(), j.entry({ type: 'build.failed', fn: FN, message: 'npm install failed' }));
    s = applyEvent(s, j.entry({ type: 'function.state', fn: FN, state: 'failed', reason: 'npm install failed' }));
    expect(s.functions[FN]).toMatchObject({ state: 'failed', reason: 'npm install failed' });
    expect(s.lastError).toMatchObject({ title: 'build failed', fn: FN });
  });

  it('counts entry kinds it does not know yet (the journal grows) without failing', () => {
    const j = journal();
    const unknown = { ...j.entry({ type: 'daemon.stopping' }), type: 'event.delivered' } as unknown as JournalEntry;
    const s = applyEvent(initialState(), unknown);
    expect(s.totals.other).toBe(1);
    expect(s.lastSeq).toBe(unknown.seq);
  });
});

describe('applyStatus', () => {
  it('fills in URLs, kind and scale bounds, and never overrides what the journal said', () => {
    const j = journal();
    let s = applyEvent(initialState(), j.entry({ type: 'function.state', fn: FN, state: 'building' }));
    s = applyStatus(s, STATUS);
    expect(s).toMatchObject({ project: 'demo-1a2b3c4d', gateway: 'http://localhost:8480', runtime: 'process' });
    expect(s.functions[FN]).toMatchObject({ state: 'building', kind: 'sync', url: 'http://localhost:8480/default/hello' });
    expect(s.functions['shop/orders']).toMatchObject({ state: 'scaled-to-zero', instances: 0, min: 0, max: 3 });
    expect(s.order).toEqual(['default/hello', 'shop/orders']);
  });

  it('shows Deployments as rows of their own kind, their replicas as wanted and running', () => {
    const s = applyStatus(initialState(), { ...STATUS, deployments: [{ name: 'producer', namespace: 'default', state: 'ready', replicas: 1, desiredReplicas: 2, image: 'p:dev', daprAppId: 'producer' }] });
    expect(s.functions['default/producer']).toMatchObject({ kind: 'deploy', state: 'ready', instances: 1, min: 2, max: 2 });
    expect(s.order).toContain('default/producer');
  });
});

describe('instances', () => {
  it('counts the instances serving, also when an old build retires without a scale event', () => {
    const j = journal();
    let s = initialState();
    s = applyEvents(s, [
      j.entry({ type: 'instance.ready', fn: FN, instance: 'i1', cold: true, durationMs: 1 }),
      j.entry({ type: 'function.scaled', fn: FN, from: 0, to: 1, reason: 'request' }),
      j.entry({ type: 'reload.started', fn: FN, path: 'slow', cause: ['rebuild requested'] }),
      j.entry({ type: 'instance.ready', fn: FN, instance: 'i2', cold: false, durationMs: 1 }),
      j.entry({ type: 'function.scaled', fn: FN, from: 1, to: 2, reason: 'new build' }),
    ]);
    expect(s.functions[FN]!.instances).toBe(2);
    s = applyEvent(s, j.entry({ type: 'instance.removed', fn: FN, instance: 'i1' }));
    expect(s.functions[FN]!.instances).toBe(1);
    s = applyEvent(s, j.entry({ type: 'instance.suspended', fn: FN, instance: 'i2', mode: 'stop' }));
    expect(s.functions[FN]!.instances).toBe(0);
  });
});

describe('event hops', () => {
  it('gather into one row per event, coloured by the worst hop; a retry that succeeds gives way', () => {
    const j = journal();
    const hop = (stage: 'source' | 'bus' | 'trigger' | 'sink' | 'dead-letter', status: 'ok' | 'failed' | 'retrying', target: string) =>
      j.entry({ type: 'event.hop', id: 'e1', eventSource: 'shop', event: 'order', namespace: 'default', stage, target, status, latencyMs: 3, time: 0, ...(stage !== 'source' && stage !== 'bus' ? { trigger: 'default/t' } : {}) });
    let s = applyEvents(initialState(), [hop('source', 'ok', 'kafka/order'), hop('bus', 'ok', 'default-shop-order'), hop('trigger', 'ok', 'default/t'), hop('sink', 'retrying', 'http://x/')]);
    let rows = s.events.filter((r) => r.kind === 'event');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ fn: 'default/shop', title: 'shop.order', eventId: 'e1' });
    expect(rows[0]!.hops.map((h) => `${h.kind}:${h.name}:${h.outcome}`)).toEqual(['source:kafka/order:ok', 'bus:default-shop-order:ok', 'trigger:default/t:ok', 'sink:http://x/:warn']);
    s = applyEvents(s, [hop('sink', 'ok', 'http://x/')]);
    rows = s.events.filter((r) => r.kind === 'event');
    expect(rows[0]!.hops.map((h) => `${h.kind}:${h.outcome}`)).toEqual(['source:ok', 'bus:ok', 'trigger:ok', 'sink:ok']);
    expect(rows[0]!.outcome).toBe('ok');
    s = applyEvents(s, [hop('dead-letter', 'ok', 'http://dl/')]);
    expect(s.events.filter((r) => r.kind === 'event')[0]!.outcome).toBe('warn');
  });
});

describe('what the test API and the daemon read', () => {
  it("keeps build and start failures once their function recovers, in the daemon's one-line form", () => {
    const j = journal();
    const s = replay([
      j.entry({ type: 'daemon.error', source: 'gateway', code: 'ERR_MANIFEST', message: 'not a failure of a start' }),
      j.entry({ type: 'daemon.error', source: 'shop/orders', code: 'ERR_START_FAILED', message: 'port 8080 in use' }),
      j.entry({ type: 'build.failed', fn: FN, message: 'npm ERR! missing script' }),
      j.entry({ type: 'build.finished', fn: FN, cached: false, durationMs: 10 }),
    ]);
    expect(s.failures).toEqual(['shop/orders: port 8080 in use', 'default/hello: npm ERR! missing script']);
    // The banner's error went with the good build; the failures stay.
    expect(s.lastError).toBeUndefined();
  });

  it('keeps the backing services started and what functions sent, newest last within its limit', () => {
    const j = journal();
    const sent = (n: number) => j.entry({ type: 'output.sent', fn: FN, instance: 'default-hello-1', kind: 'topic', component: 'pubsub', target: 'orders', contentType: 'application/json', data: `{"n":${n}}`, encoding: 'utf8', size: 7, truncated: false });
    let s = initialState({ outputs: 3 });
    s = applyEvents(s, [j.entry({ type: 'service.started', name: 'kafka', serviceType: 'kafka', address: '127.0.0.1:9092' }), sent(1), sent(2)]);
    s = applyEvents(s, [sent(3), sent(4), sent(5)]);
    expect(s.services).toEqual({ kafka: '127.0.0.1:9092' });
    expect(s.outputs.map((o) => o.data)).toEqual(['{"n":3}', '{"n":4}', '{"n":5}']);
    expect(s.functions[FN]!.logs.at(-1)).toMatchObject({ kind: 'output.sent', source: 'ofn', text: 'sent 7 bytes to topic orders of pubsub' });
  });

  it('gives each log line the kind of entry it says, and its instance', () => {
    const j = journal();
    const s = replay([
      j.entry({ type: 'instance.log', fn: FN, instance: 'default-hello-1', stream: 'stderr', line: 'boom' }),
      j.entry({ type: 'instance.failed', fn: FN, instance: 'default-hello-1', message: 'exited with 1' }),
      j.entry({ type: 'reload.failed', fn: FN, path: 'fast', message: 'SyntaxError', file: 'index.js', line: 1 }),
    ]);
    expect(s.functions[FN]!.logs.map(({ kind, source, instance, tone, text }) => ({ kind, source, instance, tone, text }))).toEqual([
      { kind: 'instance.log', source: 'instance', instance: 'default-hello-1', tone: 'error', text: 'boom' },
      { kind: 'instance.failed', source: 'instance', instance: 'default-hello-1', tone: 'error', text: 'FAILED: exited with 1' },
      { kind: 'reload.failed', source: 'reload', instance: undefined, tone: 'error', text: 'FAILED (fast path): index.js:1: SyntaxError' },
    ]);
  });
});
