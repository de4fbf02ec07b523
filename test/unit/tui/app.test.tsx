import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { OfnEvent } from '../../../src/protocol/journal.js';
import { App } from '../../../src/tui/app.js';
import { TuiController } from '../../../src/tui/controller.js';
import { TuiStore } from '../../../src/tui/store.js';
import { FakeClient, journal, KEYS, until } from './helpers.js';

type Mode = 'foreground' | 'attach';

const running: { unmount(): void; stop(): void }[] = [];
afterEach(() => {
  for (const r of running.splice(0)) {
    r.unmount();
    r.stop();
  }
});

/** The App over a store fed by hand (no timer: `feed` flushes), with a fake client. */
async function setup(opts: { size?: { columns: number; rows: number }; mode?: Mode; fetch?: typeof fetch; color?: boolean } = {}) {
  const mode = opts.mode ?? 'foreground';
  const j = journal();
  const store = new TuiStore({ now: () => j.now });
  const client = new FakeClient();
  let quits = 0;
  const controller = new TuiController(store, client, { mode, onQuit: () => quits++, statusIntervalMs: 60_000, retryMs: 10, now: () => j.now, fetch: opts.fetch });
  const ui = render(<App store={store} controller={controller} mode={mode} theme={{ color: opts.color ?? false }} size={opts.size ?? { columns: 100, rows: 30 }} />);
  running.push({ unmount: ui.unmount, stop: () => controller.stop() });
  controller.start();
  await until(() => expect(client.calls).toContain('status'));
  store.flush();
  const feed = (...events: OfnEvent[]) => {
    for (const e of events) store.push(j.entry(e));
    store.flush();
  };
  const frame = () => ui.lastFrame() ?? '';
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      ui.stdin.write(k);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { j, store, client, ui, feed, frame, press, quits: () => quits };
}

const HELLO = 'default/hello';

describe('the terminal UI', () => {
  it('shows a function going building -> ready -> at zero', async () => {
    const t = await setup();
    t.feed({ type: 'function.state', fn: HELLO, state: 'building' }, { type: 'build.started', fn: HELLO });
    await until(() => expect(t.frame()).toMatch(/> hello\s+default\s+sync\s+building\s+0\s/));
    expect(t.frame()).toContain('building…');
    t.feed({ type: 'build.finished', fn: HELLO, cached: false, durationMs: 2100 }, { type: 'function.state', fn: HELLO, state: 'ready' }, { type: 'function.scaled', fn: HELLO, from: 0, to: 1, reason: 'minReplicas' });
    await until(() => expect(t.frame()).toMatch(/> hello\s+default\s+sync\s+ready\s+1\s/));
    expect(t.frame()).toMatch(/built 2\.1s/);
    t.feed({ type: 'function.scaled', fn: HELLO, from: 1, to: 0, reason: 'idle' }, { type: 'function.state', fn: HELLO, state: 'scaled-to-zero' });
    await until(() => expect(t.frame()).toMatch(/> hello\s+default\s+sync\s+at zero\s+0\s/));
    expect(t.frame()).toMatch(/2 functions: 2 at zero/);
  });

  it('counts requests and lists them with their hops', async () => {
    const t = await setup();
    t.feed({ type: 'function.state', fn: HELLO, state: 'ready' });
    for (let i = 0; i < 5; i++) t.feed({ type: 'request.completed', fn: HELLO, method: 'GET', path: '/default/hello', status: i === 4 ? 500 : 200, durationMs: 3, cold: i === 0, instance: 'default-hello-1' });
    await until(() => expect(t.frame()).toMatch(/> hello\s+default\s+sync\s+ready\s+0 0-5\s+5\s/));
    const f = t.frame();
    expect(f).toContain('5 requests');
    expect(f).toContain('1 5xx');
    expect(f).toMatch(/hello\s+GET \/default\/hello\s+200\s+3\.0ms cold gateway → hello-1$/m);
    expect(f).toMatch(/GET \/default\/hello\s+500\s+3\.0ms\s+gateway → hello-1/);
  });

  it('shows the last error in a banner with its file and line, until the function recovers', async () => {
    const t = await setup();
    t.feed({ type: 'reload.failed', fn: HELLO, path: 'fast', message: 'SyntaxError: Unexpected end of input', file: 'index.js', line: 3 });
    await until(() => expect(t.frame()).toMatch(/ERROR .* default\/hello reload failed at index\.js:3/));
    expect(t.frame()).toContain('SyntaxError: Unexpected end of input');
    expect(t.frame()).toMatch(/fast FAILED/);
    t.feed({ type: 'reload.finished', fn: HELLO, path: 'fast', timings: { detectMs: 5, syncMs: 5, restartMs: 170, totalMs: 180 } });
    await until(() => expect(t.frame()).not.toContain('ERROR'));
    expect(t.frame()).toMatch(/fast 180ms/);
  });

  it('moves the selection and acts on the selected function: logs, events, help, rebuild, scale to zero', async () => {
    const t = await setup();
    t.feed({ type: 'instance.log', fn: 'shop/orders', instance: 'shop-orders-2', stream: 'stderr', line: 'boom' });
    expect(t.frame()).toMatch(/^> hello/m);
    await t.press('j');
    await until(() => expect(t.frame()).toMatch(/^> orders/m));
    await t.press(KEYS.enter);
    await until(() => expect(t.frame()).toMatch(/LOGS shop\/orders\s+http:\/\/localhost:8480\/shop\/orders/));
    expect(t.frame()).toMatch(/\[orders-2\]\s+boom/);
    await t.press('e');
    await until(() => expect(t.frame()).toContain('EVENTS'));
    await t.press('?');
    await until(() => expect(t.frame()).toContain('KEYS'));
    expect(t.frame()).toContain('stop every function and the daemon');
    await t.press('r', 's');
    await until(() => expect(t.client.calls).toEqual(expect.arrayContaining(['rebuild shop/orders', 'scaleToZero shop/orders'])));
    await until(() => expect(t.frame()).toContain('shop/orders scaled to zero'));
    await t.press(KEYS.up, 's');
    await until(() => expect(t.client.calls).toContain('scaleToZero default/hello'));
    expect(t.quits()).toBe(0);
    await t.press('q');
    await until(() => expect(t.quits()).toBe(1));
  });

  it('takes keys typed faster than they are read one by one (and the rest as the invoke body)', async () => {
    const requests: unknown[] = [];
    const fakeFetch = (async (_url: string, init?: RequestInit) => {
      requests.push(init?.body);
      return new Response('ok', { status: 200 });
    }) as unknown as typeof fetch;
    const t = await setup({ fetch: fakeFetch });
    await t.press('jl');
    await until(() => expect(t.frame()).toMatch(/LOGS shop\/orders/));
    await t.press('kiabc');
    await until(() => expect(t.frame()).toContain('invoke default/hello, body'));
    expect(t.frame()).toContain('abc█');
    await t.press(KEYS.enter);
    await until(() => expect(requests).toEqual(['abc']));
  });

  it('in attach mode says q leaves the daemon running', async () => {
    const t = await setup({ mode: 'attach' });
    expect(t.frame()).toContain('q close');
    expect(t.frame()).toContain('attached');
    await t.press('?');
    await until(() => expect(t.frame()).toContain('the daemon keeps running'));
    await t.press(KEYS.ctrlC);
    await until(() => expect(t.quits()).toBe(1));
  });

  it('invokes the selected function with a typed body and shows the answer', async () => {
    const requests: { url: string; method?: string; body?: unknown }[] = [];
    const fakeFetch = (async (url: string, init?: RequestInit) => {
      requests.push({ url, method: init?.method, body: init?.body });
      return new Response('hello, q\n', { status: 200 });
    }) as unknown as typeof fetch;
    const t = await setup({ fetch: fakeFetch });
    await t.press('i');
    await until(() => expect(t.frame()).toContain('invoke default/hello, body'));
    await t.press('q', 'x', KEYS.backspace, '!', KEYS.enter);
    await until(() => expect(t.frame()).toMatch(/INVOKE POST http:\/\/localhost:8480\/default\/hello\s+→ HTTP 200/));
    expect(t.frame()).toContain('hello, q');
    expect(requests).toEqual([{ url: 'http://localhost:8480/default/hello', method: 'POST', body: 'q!' }]);
    expect(t.quits()).toBe(0);
    await t.press('x');
    await until(() => expect(t.frame()).toContain('EVENTS'));
  });

  it('fits 80x24 with many functions, keeping the selection in view, and writes no colour without it', async () => {
    const t = await setup({ size: { columns: 80, rows: 24 } });
    for (let i = 0; i < 12; i++) t.feed({ type: 'function.added', fn: `default/fn-${String(i).padStart(2, '0')}` });
    t.feed({ type: 'reload.failed', fn: HELLO, path: 'slow', message: 'npm install failed: ' + 'x'.repeat(200) });
    for (let i = 0; i < 30; i++) t.feed({ type: 'request.completed', fn: HELLO, method: 'POST', path: '/default/hello/' + 'a'.repeat(100), status: 200, durationMs: 1234.5, cold: false, instance: 'ofn-local-demo-12345678-default-hello-1' });
    await t.press(...Array(13).fill('j'));
    await until(() => expect(t.frame()).toMatch(/^> shop\/orders/m));
    const lines = t.frame().split('\n');
    expect(lines.length).toBe(23);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(t.frame()).not.toContain('\x1b');
  });
});

describe('colours', () => {
  it('colour states by meaning when on (green ready, red failed), and not at all when off', async () => {
    const t = await setup({ color: true });
    t.feed({ type: 'function.state', fn: HELLO, state: 'ready' }, { type: 'function.state', fn: 'shop/orders', state: 'failed', reason: 'npm install failed' });
    await until(() => expect(t.frame()).toMatch(/\x1b\[32m\s*ready/));
    expect(t.frame()).toMatch(/\x1b\[31m\s*failed\s+npm install failed/);
    const plain = await setup({ color: false });
    plain.feed({ type: 'function.state', fn: HELLO, state: 'ready' });
    await until(() => expect(plain.frame()).toMatch(/> hello\s+default\s+sync\s+ready/));
    expect(plain.frame()).not.toContain('\x1b');
  });
});
