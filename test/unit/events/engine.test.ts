import { afterEach, describe, expect, it } from 'vitest';

import { EventsEngine, EventsError, unwrapEvent, type EventHop, type EventsEngineOptions } from '../../../src/events/runtime/index.js';
import { eventDoc, modelOf, sinkServer, stagesOf, tempDir, waitFor, type SinkServer } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sink(): Promise<SinkServer> {
  const s = await sinkServer();
  cleanups.push(() => s.close());
  return s;
}

async function engineWith(opts: Omit<EventsEngineOptions, 'onHop' | 'stateDir'> & { stateDir?: string }): Promise<{ engine: EventsEngine; hops: EventHop[]; stateDir: string }> {
  const hops: EventHop[] = [];
  let stateDir = opts.stateDir;
  if (!stateDir) {
    const t = await tempDir();
    cleanups.push(t.remove);
    stateDir = t.dir;
  }
  const engine = new EventsEngine({ retry: { attempts: 3, initialMs: 10, maxMs: 50 }, ...opts, stateDir, onHop: (h) => hops.push(h) });
  cleanups.push(() => engine.stop());
  await engine.start();
  return { engine, hops, stateDir };
}

/** An EventSource `es` in `default` with webhook events a, b and c on the default (embedded) bus. */
const webhookSource = (extra: Record<string, unknown> = {}) =>
  eventDoc('EventSource', 'es', 'default', { eventBus: 'default', http: { a: {}, b: {}, c: {} }, ...extra });

describe('trigger conditions and the input window (fake clock)', () => {
  it('is true after an event, false after the window, and delivers the event that just arrived', async () => {
    const both = await sink();
    const onlyA = await sink();
    let now = 1_000_000;
    const model = modelOf([
      webhookSource(),
      eventDoc('Trigger', 't', 'default', {
        eventBus: 'default',
        inputs: { a: { eventSource: 'es', event: 'a' }, b: { eventSource: 'es', event: 'b' } },
        subscribers: [
          { condition: 'a && b', sink: { uri: `${both.url}/both` } },
          { condition: 'a && !b', sink: { uri: `${onlyA.url}/only-a` } },
        ],
      }),
    ]);
    const { engine, hops } = await engineWith({ model, now: () => now });
    const triggered = (id: string) => hops.find((h) => h.id === id && h.stage === 'trigger');
    const done = (id: string) => () => {
      const t = triggered(id);
      return t !== undefined && (t.status === 'unmatched' || hops.some((h) => h.id === id && h.stage === 'sink' && h.status !== 'retrying'));
    };

    const e1 = await engine.inject('default', 'es', 'a', Buffer.from('first a'));
    await waitFor(done(e1), 'e1 delivered');
    expect(onlyA.received.map((r) => r.body)).toEqual(['first a']);
    expect(both.received).toEqual([]);

    now += 30_000;
    const e2 = await engine.inject('default', 'es', 'b', Buffer.from('{"n": 2}'), 'application/json');
    await waitFor(done(e2), 'e2 delivered');
    expect(both.received.map((r) => [r.body, r.contentType])).toEqual([['{"n":2}', 'application/json']]);

    // 60 s after a's only event: a is false again; b (30 s old) is still true.
    now += 30_000;
    const e3 = await engine.inject('default', 'es', 'b', Buffer.from('late b'));
    await waitFor(done(e3), 'e3 handled');
    expect(triggered(e3)).toMatchObject({ status: 'unmatched', trigger: 'default/t', target: 'default/t' });
    expect(triggered(e3)!.message).toContain('a=false, b=true');

    // An event on c (not an input of t) does not reach t at all.
    const e4 = await engine.inject('default', 'es', 'c', Buffer.from('c'));
    await new Promise((r) => setTimeout(r, 100));
    expect(stagesOf(hops, e4)).toEqual(['source:ok', 'bus:ok']);
    expect(both.received).toHaveLength(1);
    expect(onlyA.received).toHaveLength(1);
    expect(stagesOf(hops, e1)).toEqual(['source:ok', 'bus:ok', 'trigger:ok', 'sink:ok']);
  });

  it('keeps an input true while events keep coming within the window', async () => {
    const out = await sink();
    let now = 0;
    const model = modelOf([
      webhookSource(),
      eventDoc('Trigger', 't', 'default', {
        eventBus: 'default',
        inputs: { a: { eventSource: 'es', event: 'a' }, b: { eventSource: 'es', event: 'b' } },
        subscribers: [{ condition: 'a && b', sink: { uri: out.url } }],
      }),
    ]);
    const { engine, hops } = await engineWith({ model, now: () => now, inputWindowMs: 1000 });
    const settle = async (id: string) => waitFor(() => hops.some((h) => h.id === id && (h.stage === 'sink' || h.status === 'unmatched')), id);
    for (let i = 0; i < 5; i++) {
      await settle(await engine.inject('default', 'es', 'a', Buffer.from(`a${i}`)));
      now += 900;
    }
    await settle(await engine.inject('default', 'es', 'b', Buffer.from('b')));
    expect(out.received.map((r) => r.body)).toEqual(['b']);
  });
});

describe('sink delivery', () => {
  it('retries 5xx answers with backoff and records each attempt', async () => {
    const out = await sink();
    out.plan = [500, 503];
    const model = modelOf([
      webhookSource(),
      eventDoc('Trigger', 't', 'default', {
        eventBus: 'default',
        inputs: { a: { eventSource: 'es', event: 'a' } },
        subscribers: [{ condition: 'a', sink: { uri: `${out.url}/in` } }],
      }),
    ]);
    const { engine, hops } = await engineWith({ model });
    const id = await engine.inject('default', 'es', 'a', Buffer.from('payload'));
    await waitFor(() => out.received.length === 1, 'delivery');
    await waitFor(() => stagesOf(hops, id).includes('sink:ok'), 'the ok hop');
    expect(stagesOf(hops, id)).toEqual(['source:ok', 'bus:ok', 'trigger:ok', 'sink:retrying', 'sink:retrying', 'sink:ok']);
    const sinkHops = hops.filter((h) => h.id === id && h.stage === 'sink');
    expect(sinkHops.map((h) => [h.attempt, h.message])).toEqual([
      [1, 'HTTP 500'],
      [2, 'HTTP 503'],
      [3, 'HTTP 200'],
    ]);
    expect(sinkHops[0]).toMatchObject({ target: `${out.url}/in`, trigger: 'default/t', eventSource: 'es', event: 'a', namespace: 'default' });
    expect(out.received[0]).toMatchObject({ path: '/in', body: 'payload', contentType: 'text/plain' });
  });

  it('sends to the dead-letter sink and topic after the last attempt', async () => {
    const out = await sink();
    const dead = await sink();
    out.plan = [500, 500, 500];
    const model = modelOf([
      webhookSource(),
      eventDoc('Trigger', 't', 'default', {
        eventBus: 'default',
        inputs: { a: { eventSource: 'es', event: 'a' } },
        subscribers: [{ condition: 'a', sink: { uri: out.url }, deadLetterSink: { uri: `${dead.url}/dl` }, deadLetterTopic: 'failed' }],
      }),
    ]);
    const { engine, hops } = await engineWith({ model });
    const id = await engine.inject('default', 'es', 'a', Buffer.from('lost?'));
    await waitFor(() => hops.filter((h) => h.id === id && h.stage === 'dead-letter').length === 2, 'dead letters');
    expect(stagesOf(hops, id)).toEqual([
      'source:ok',
      'bus:ok',
      'trigger:ok',
      'sink:retrying',
      'sink:retrying',
      'sink:failed',
      'dead-letter:ok',
      'dead-letter:ok',
    ]);
    expect(dead.received).toEqual([{ path: '/dl', body: 'lost?', contentType: 'text/plain' }]);
    expect(hops.filter((h) => h.stage === 'dead-letter').map((h) => h.target)).toEqual([`${dead.url}/dl`, 'topic:failed']);
  });

  it('does not retry a 4xx answer, and records a failed hop when there is no dead letter', async () => {
    const out = await sink();
    out.plan = [404];
    const model = modelOf([
      webhookSource(),
      eventDoc('Trigger', 't', 'default', {
        eventBus: 'default',
        inputs: { a: { eventSource: 'es', event: 'a' } },
        subscribers: [{ condition: 'a', sink: { uri: out.url } }],
      }),
    ]);
    const { engine, hops } = await engineWith({ model });
    const id = await engine.inject('default', 'es', 'a', Buffer.from('x'));
    await waitFor(() => stagesOf(hops, id).includes('sink:failed'), 'failed hop');
    expect(stagesOf(hops, id)).toEqual(['source:ok', 'bus:ok', 'trigger:ok', 'sink:failed']);
    expect(hops.at(-1)!.message).toBe('HTTP 404');
  });

  it('retries a sink nobody listens on, then fails', async () => {
    const gone = await sinkServer();
    await gone.close();
    const model = modelOf([webhookSource({ eventBus: undefined, sink: { uri: gone.url } })]);
    const { engine, hops } = await engineWith({ model });
    const id = await engine.inject('default', 'es', 'a', Buffer.from('x'));
    // The EventSource's own sink: delivered before inject resolves.
    expect(stagesOf(hops, id)).toEqual(['source:ok', 'sink:retrying', 'sink:retrying', 'sink:failed']);
    expect(hops.at(-1)!.message).toMatch(/ECONNREFUSED|refused/i);
  });

  it("posts the raw payload to an EventSource's own sink and the enveloped one to the bus", async () => {
    const out = await sink();
    const model = modelOf([
      webhookSource({ sink: { uri: `${out.url}/es` } }),
      eventDoc('Trigger', 't', 'default', {
        eventBus: 'default',
        inputs: { a: { eventSource: 'es', event: 'a' } },
        subscribers: [{ condition: 'a', topic: 'copies' }],
      }),
    ]);
    const { engine, hops } = await engineWith({ model });
    const id = await engine.inject('default', 'es', 'a', Buffer.from('{"order": 12345678901234567890}'));
    expect(out.received).toEqual([{ path: '/es', body: '{"order": 12345678901234567890}', contentType: 'application/json' }]);
    await waitFor(() => stagesOf(hops, id).includes('topic:ok'), 'republish');
    // The EventSource's sink and the trigger work at the same time: compare without order.
    expect(stagesOf(hops, id).sort()).toEqual(['bus:ok', 'sink:ok', 'source:ok', 'topic:ok', 'trigger:ok']);
    expect(hops.find((h) => h.stage === 'topic')).toMatchObject({ target: 'copies', trigger: 'default/t' });
  });

  it('resolves sinks through resolveSink (a Function ref to the gateway)', async () => {
    const out = await sink();
    const model = modelOf([
      webhookSource({ eventBus: undefined, sink: { ref: { apiVersion: 'core.openfunction.io/v1beta2', kind: 'Function', name: 'fn' } } }),
    ]);
    const { engine, hops } = await engineWith({ model, resolveSink: (s, ns) => `${out.url}/${ns}/${s.ref!.name}` });
    const id = await engine.inject('default', 'es', 'b', Buffer.from('to fn'));
    expect(out.received).toEqual([{ path: '/default/fn', body: 'to fn', contentType: 'text/plain' }]);
    // The journal names the sink as the cluster would, not by the local address it was resolved to.
    expect(hops.filter((h) => h.id === id && h.stage === 'sink').map((h) => h.target)).toEqual(['http://fn.default.svc.cluster.local/']);
  });

  it('names a sink uri as written, however it resolves locally', async () => {
    const out = await sink();
    const model = modelOf([webhookSource({ eventBus: undefined, sink: { uri: 'http://fn.shop.svc.cluster.local/orders' } })]);
    const { engine, hops } = await engineWith({ model, resolveSink: () => `${out.url}/orders` });
    const id = await engine.inject('default', 'es', 'b', Buffer.from('to fn'));
    expect(out.received.map((r) => r.path)).toEqual(['/orders']);
    expect(hops.filter((h) => h.id === id && h.stage === 'sink').map((h) => `${h.status} ${h.target}`)).toEqual(['ok http://fn.shop.svc.cluster.local/orders']);
  });
});

describe('order and durability', () => {
  it('delivers the events of a topic in order, one at a time, even when the sink is slow', async () => {
    const out = await sink();
    out.delays = (i) => (i % 3 === 0 ? 40 : i % 3 === 1 ? 0 : 15);
    out.plan = [200, 500, 200, 200, 503];
    let inFlight = 0;
    let maxInFlight = 0;
    const model = modelOf([
      webhookSource(),
      eventDoc('Trigger', 't', 'default', {
        eventBus: 'default',
        inputs: { a: { eventSource: 'es', event: 'a' } },
        subscribers: [{ condition: 'a', sink: { uri: out.url } }],
      }),
    ]);
    const { engine, hops } = await engineWith({ model });
    const seen = new Map<string, number>();
    hopsWatch(hops, (h) => {
      if (h.stage !== 'sink') return;
      if (h.attempt === 1) inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (h.status !== 'retrying') inFlight--;
      seen.set(h.id, (seen.get(h.id) ?? 0) + 1);
    });
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      sent.push(`m${i}`);
      await engine.inject('default', 'es', 'a', Buffer.from(`m${i}`));
    }
    await waitFor(() => out.received.length === 20, '20 deliveries');
    expect(out.received.map((r) => r.body)).toEqual(sent);
    expect(maxInFlight).toBe(1);
  });

  it('redelivers an event whose delivery a stopped engine left unfinished, and only the unfinished ones', async () => {
    const out = await sink();
    const model = modelOf([
      webhookSource(),
      eventDoc('Trigger', 't', 'default', {
        eventBus: 'default',
        inputs: { a: { eventSource: 'es', event: 'a' } },
        subscribers: [{ condition: 'a', sink: { uri: out.url } }],
      }),
    ]);
    const first = await engineWith({ model, retry: { attempts: 100, initialMs: 20, maxMs: 20 } });
    await first.engine.inject('default', 'es', 'a', Buffer.from('delivered'));
    await waitFor(() => out.received.length === 1, 'first delivery');
    out.plan = Array.from({ length: 1000 }, () => 500);
    const stuck = await first.engine.inject('default', 'es', 'a', Buffer.from('stuck'));
    await first.engine.inject('default', 'es', 'a', Buffer.from('queued'));
    await waitFor(() => first.hops.filter((h) => h.id === stuck && h.status === 'retrying').length >= 2, 'retries');
    await first.engine.stop();
    expect(out.received.map((r) => r.body)).toEqual(['delivered']);

    out.plan = [];
    const second = await engineWith({ model, stateDir: first.stateDir });
    await waitFor(() => out.received.length === 3, 'redelivery');
    expect(out.received.map((r) => r.body)).toEqual(['delivered', 'stuck', 'queued']);
    // The redelivered event keeps its id.
    expect(second.hops.find((h) => h.stage === 'sink' && h.status === 'ok')!.id).toBe(stuck);
    await second.engine.stop();

    // A third start has nothing left to deliver.
    const third = await engineWith({ model, stateDir: first.stateDir });
    await new Promise((r) => setTimeout(r, 200));
    expect(third.hops).toEqual([]);
    expect(out.received).toHaveLength(3);
  });
});

describe('the engine API', () => {
  it('names what is wrong with an inject or a webhook call', async () => {
    const model = modelOf([
      eventDoc('EventSource', 'es', 'default', { eventBus: 'default', http: { hook: { path: '/hooks/x' } }, cron: { tick: { schedule: '@hourly' } } }),
    ]);
    const { engine } = await engineWith({ model });
    await expect(engine.inject('default', 'nope', 'hook', Buffer.alloc(0))).rejects.toThrow(/no EventSource default\/nope \(EventSources in namespace default: es\)/);
    await expect(engine.inject('default', 'es', 'nope', Buffer.alloc(0))).rejects.toThrow(/has no event nope \(its events: tick \(cron\), hook \(http\)\)/);
    await expect(engine.handleWebhook('default', 'es', 'tick', Buffer.alloc(0))).rejects.toBeInstanceOf(EventsError);
    expect(await engine.handleWebhook('default', 'es', 'hook', Buffer.from('x'))).toMatch(/^[0-9a-f-]{36}$/);
    expect(engine.webhooks()).toEqual([{ namespace: 'default', eventSource: 'es', event: 'hook', path: '/hooks/x' }]);
    expect(engine.status()).toEqual([
      expect.objectContaining({ kind: 'cron', event: 'tick', state: 'running' }),
      expect.objectContaining({ kind: 'http', event: 'hook', state: 'webhook' }),
    ]);
  });

  it('starts and stops triggers and sources on update', async () => {
    const out = await sink();
    const trigger = eventDoc('Trigger', 't', 'default', {
      eventBus: 'default',
      inputs: { a: { eventSource: 'es', event: 'a' } },
      subscribers: [{ condition: 'a', sink: { uri: out.url } }],
    });
    const { engine, hops } = await engineWith({ model: modelOf([webhookSource()]) });
    const before = await engine.inject('default', 'es', 'a', Buffer.from('before'));
    await engine.update(modelOf([webhookSource(), trigger]));
    const after = await engine.inject('default', 'es', 'a', Buffer.from('after'));
    await waitFor(() => stagesOf(hops, after).includes('sink:ok'), 'delivery after the update');
    expect(out.received.map((r) => r.body)).toEqual(['after']);
    expect(stagesOf(hops, before)).toEqual(['source:ok', 'bus:ok']);
    expect(stagesOf(hops, after)).toContain('sink:ok');

    await engine.update(modelOf([webhookSource()]));
    await engine.inject('default', 'es', 'a', Buffer.from('removed'));
    await new Promise((r) => setTimeout(r, 100));
    expect(out.received).toHaveLength(1);
    await engine.update(modelOf([]));
    await expect(engine.inject('default', 'es', 'a', Buffer.alloc(0))).rejects.toThrow(/no EventSource/);
  });

  it('fires a cron source on its schedule (Dapr syntax) with an empty body', async () => {
    const out = await sink();
    const model = modelOf([eventDoc('EventSource', 'clock', 'default', { sink: { uri: out.url }, cron: { tick: { schedule: '@every 1s' } } })]);
    const { engine, hops } = await engineWith({ model });
    await waitFor(() => out.received.length >= 1, 'a tick', 5000);
    expect(out.received[0]).toMatchObject({ body: '' });
    expect(hops[0]).toMatchObject({ stage: 'source', target: 'cron/tick', eventSource: 'clock', event: 'tick', namespace: 'default' });
    await engine.stop();
    const count = out.received.length;
    await new Promise((r) => setTimeout(r, 1300));
    expect(out.received.length).toBe(count);
  });
});

describe('the envelope on the bus', () => {
  it('unwraps what it wrapped', async () => {
    const { wrapEvent } = await import('../../../src/events/runtime/index.js');
    const base = { id: 'e1', topic: 'default-es-a', pubsubName: 'ebfes-es', appId: 'esw-es-http-a-default', producedAt: 1234 };
    const bin = Buffer.from([0, 255, 1, 2]);
    for (const [data, ct] of [
      [Buffer.from('{"a":[1,2.50,12345678901234567890]}'), 'application/json'],
      [Buffer.from('hello'), 'text/plain'],
      [bin, 'application/octet-stream'],
    ] as const) {
      const envelope = wrapEvent({ ...base, data, contentType: ct });
      const ce = JSON.parse(envelope.toString()) as Record<string, unknown>;
      expect(ce).toMatchObject({ id: 'e1', source: 'esw-es-http-a-default', type: 'com.dapr.event.sent', specversion: '1.0', topic: 'default-es-a', pubsubname: 'ebfes-es', datacontenttype: ct });
      expect(unwrapEvent(envelope)).toEqual({ id: 'e1', data, contentType: ct, producedAt: 1234 });
    }
    const again = wrapEvent({ ...base, data: Buffer.from('x'), contentType: 'text/plain', republish: true });
    expect((JSON.parse(again.toString()) as { id: string }).id).not.toBe('e1');
    expect(unwrapEvent(again).id).toBe('e1');
    expect(unwrapEvent(Buffer.from('not a cloudevent')).data.toString()).toBe('not a cloudevent');
  });
});

/** Calls `fn` for every hop pushed from now on. */
function hopsWatch(hops: EventHop[], fn: (h: EventHop) => void): void {
  const push = hops.push.bind(hops);
  hops.push = (...items: EventHop[]) => {
    for (const h of items) fn(h);
    return push(...items);
  };
}
