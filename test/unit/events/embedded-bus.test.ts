import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { EmbeddedBus } from '../../../src/events/runtime/index.js';
import { tempDir, waitFor } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function bus(dir?: string): Promise<EmbeddedBus> {
  if (!dir) {
    const t = await tempDir();
    cleanups.push(t.remove);
    dir = t.dir;
  }
  const b = new EmbeddedBus(dir);
  cleanups.push(() => b.close());
  return b;
}

describe('the embedded bus', () => {
  it('gives a new group the messages published after it subscribed, in order, per group', async () => {
    const b = await bus();
    await b.publish('t', Buffer.from('before'));
    const g1: string[] = [];
    const g2: string[] = [];
    await b.subscribe('t', 'g1', async (m) => void g1.push(m.toString()));
    await b.subscribe('t', 'g2', async (m) => {
      await new Promise((r) => setTimeout(r, 5));
      g2.push(m.toString());
    });
    for (let i = 0; i < 10; i++) await b.publish('t', Buffer.from(`m${i}`));
    await waitFor(() => g1.length === 10 && g2.length === 10, 'both groups');
    expect(g1).toEqual(g2);
    expect(g1).toEqual([...Array(10).keys()].map((i) => `m${i}`));
  });

  it('redelivers a message whose handler failed, before the next one', async () => {
    const b = await bus();
    const seen: string[] = [];
    let fail = true;
    await b.subscribe('t', 'g', async (m) => {
      seen.push(m.toString());
      if (fail && m.toString() === 'a') {
        fail = false;
        throw new Error('not now');
      }
    });
    await b.publish('t', Buffer.from('a'));
    await b.publish('t', Buffer.from('b'));
    await waitFor(() => seen.length === 3, 'redelivery', 5000);
    expect(seen).toEqual(['a', 'a', 'b']);
  });

  it('keeps unacknowledged messages across a restart and drops the acknowledged ones from its file', async () => {
    const t = await tempDir();
    cleanups.push(t.remove);
    const first = new EmbeddedBus(t.dir);
    const got: string[] = [];
    await first.subscribe('orders', 'g', async (m) => {
      if (m.toString() === 'stop-here') await new Promise(() => {}); // never finishes
      got.push(m.toString());
    });
    for (const m of ['1', '2', 'stop-here', '3']) await first.publish('orders', Buffer.from(m));
    await waitFor(() => got.length === 2, 'two handled');
    const offsetFile = path.join(t.dir, 'orders.g.offset');
    let saved = '';
    await waitFor(() => {
      void readFile(offsetFile, 'utf8').then((text) => (saved = text), () => {});
      return saved === '2';
    }, 'the position saved');
    // close() would wait for the stuck handler: a crash leaves the files as they are.
    const second = await bus(t.dir);
    const again: string[] = [];
    await second.subscribe('orders', 'g', async (m) => void again.push(m.toString()));
    await waitFor(() => again.length === 2, 'redelivered', 3000).catch((e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(again)}`); });
    expect(again).toEqual(['stop-here', '3']);
    const log = (await readFile(path.join(t.dir, 'orders.log'), 'utf8')).trim().split('\n');
    expect(log).toHaveLength(2); // 1 and 2 were acknowledged by the only group
    expect((await readdir(t.dir)).sort()).toEqual(['orders.g.offset', 'orders.log']);
    // Positions are saved at most every 50 ms, not per message.
    await expect.poll(() => readFile(path.join(t.dir, 'orders.g.offset'), 'utf8'), { timeout: 2000 }).toBe('4');
  });
});
