import { afterEach, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../../src/daemon/client.js';
import { ControlServer } from '../../../src/daemon/control-api/server.js';
import type { Daemon } from '../../../src/daemon/daemon.js';
import { Journal } from '../../../src/daemon/journal.js';
import type { DaemonApi } from '../../../src/protocol/api.js';
import type { JournalEntry } from '../../../src/protocol/journal.js';
import { OfnError } from '../../../src/errors.js';
import type { DaemonStatus } from '../../../src/protocol/status.js';
import { STATUS } from '../tui/helpers.js';

// Checked by `npm run typecheck`: the daemon in process and the control API's client both are a
// DaemonApi (what the control API serves), and the status the daemon declares is the protocol's,
// both ways. A drift on either side fails the typecheck.
export const inProcess: DaemonApi = null as unknown as Daemon;
export const overControlApi: DaemonApi = null as unknown as DaemonClient;
export const statusToProtocol: DaemonStatus = null as unknown as ReturnType<Daemon['status']>;
export const statusFromProtocol: ReturnType<Daemon['status']> = null as unknown as DaemonStatus;

/** What the control API serves in this test: a real journal, the status and calls recorded. */
function target(journal: Journal): DaemonApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    journal,
    status: () => STATUS,
    publish: async (ns, pubsub, topic, body, contentType) => {
      calls.push(`publish ${ns}/${pubsub}/${topic} ${contentType} ${body.toString()}`);
      return { status: 204, via: 'default-hello-1', body: '' };
    },
    invokeInput: async (ns, name, binding, body) => {
      calls.push(`input ${ns}/${name} ${binding ?? '-'} ${body.toString()}`);
      return { status: 200, body: 'ok', input: binding ?? 'in', via: 'default-hello-1' };
    },
    emitEvent: async (ns, source, event) => {
      calls.push(`event ${ns}/${source}.${event}`);
      return 'e-1';
    },
    rebuild: async (ns, name) => void calls.push(`rebuild ${ns}/${name}`),
    stop: async () => void calls.push('stop'),
    scaleToZero: async (ns, name, reason) => {
      if (name !== 'hello') throw new OfnError('ERR_NO_FUNCTION', `no function ${ns}/${name}`);
      calls.push(`scale-to-zero ${ns}/${name}: ${reason}`);
    },
  };
}

describe('the DaemonApi through the control API', () => {
  let server: ControlServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function connect(t: DaemonApi, onShutdown: () => void = () => undefined): Promise<DaemonClient> {
    server = new ControlServer(t, onShutdown);
    const controlUrl = await server.listen();
    return new DaemonClient({ pid: 0, projectId: 'p', root: '/p', controlUrl, token: server.token, gatewayUrl: '', startedAt: '' });
  }

  it('answers as the daemon does: status, publish, input, events, rebuild, scale to zero', async () => {
    const t = target(new Journal());
    const client = await connect(t);
    expect(await client.status()).toEqual(STATUS);
    expect(await client.publish('default', 'pubsub', 'orders', Buffer.from('{"n":1}'), 'application/json')).toEqual({ status: 204, via: 'default-hello-1', body: '' });
    expect(await client.invokeInput('default', 'hello', 'kafka-in', Buffer.from('x'), 'text/plain')).toMatchObject({ status: 200, input: 'kafka-in' });
    expect(await client.emitEvent('default', 'shop', 'created', Buffer.from('{}'))).toBe('e-1');
    await client.rebuild('default', 'hello');
    await expect(client.rebuild('default', 'nope')).rejects.toThrow(/404 \{"error":"no function default\/nope"\}/);
    await client.scaleToZero('default', 'hello');
    await client.scaleToZero('default', 'hello', 'idle in the TUI');
    await expect(client.scaleToZero('default', 'nope')).rejects.toThrow(/404 \{"error":"no function default\/nope"\}/);
    expect(t.calls).toEqual([
      'publish default/pubsub/orders application/json {"n":1}',
      'input default/hello kafka-in x',
      'event default/shop.created',
      'rebuild default/hello',
      'scale-to-zero default/hello: requested through the control API',
      'scale-to-zero default/hello: idle in the TUI',
    ]);
  });

  it('streams the journal: kept entries by query, then new ones while following', async () => {
    const journal = new Journal();
    const client = await connect(target(journal));
    journal.append({ type: 'build.log', fn: 'default/hello', line: 'one' });
    journal.append({ type: 'build.log', fn: 'shop/orders', line: 'two' });
    journal.append({ type: 'build.finished', fn: 'default/hello', cached: true, durationMs: 1 });
    const kept: JournalEntry[] = [];
    for await (const e of client.journal.read({ fn: 'default/hello' })) kept.push(e);
    expect(kept.map((e) => e.type)).toEqual(['build.log', 'build.finished']);

    const stop = new AbortController();
    const followed: JournalEntry[] = [];
    const following = (async () => {
      for await (const e of client.journal.read({ after: 2, types: ['build.finished', 'instance.ready'], follow: true }, stop.signal)) {
        followed.push(e);
        if (e.type === 'build.finished') journal.append({ type: 'instance.ready', fn: 'default/hello', instance: 'default-hello-1', cold: true, durationMs: 5 });
        else stop.abort();
      }
    })();
    await following;
    expect(followed.map((e) => `${e.seq} ${e.type}`)).toEqual(['3 build.finished', '4 instance.ready']);
  });

  it('stop() asks the daemon to shut down', async () => {
    let asked = false;
    const client = await connect(target(new Journal()), () => (asked = true));
    await client.stop();
    await expect.poll(() => asked).toBe(true);
  });
});
