/**
 * The pubsub contract every implementation passes: a subscriber gets what is published
 * to its topic (bytes and order preserved), not other topics, and nothing after close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PubSub, PubSubMessage } from '../../../../src/dapr-components/component.js';

export interface PubSubTarget {
  pubsub: PubSub;
  /** Prepares a topic before subscribing (JetStream needs a stream). */
  prepareTopic?(topic: string): Promise<void>;
  dispose(): Promise<void>;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function describePubSub(name: string, make: () => Promise<PubSubTarget>, opts: { wildcards?: boolean } = {}): void {
  describe(`pubsub contract: ${name}`, () => {
    let target: PubSubTarget;
    let n = 0;
    const topic = async (): Promise<string> => {
      const t = `contract-${process.pid}-${Date.now()}-${n++}`;
      await target.prepareTopic?.(t);
      return t;
    };

    beforeAll(async () => {
      target = await make();
    });
    afterAll(async () => {
      await target?.dispose();
    });

    it('delivers published messages to the subscriber, in order, bytes unchanged', async () => {
      const t = await topic();
      const got: PubSubMessage[] = [];
      const sub = await target.pubsub.subscribe({ topic: t, metadata: {} }, async (m) => void got.push(m));
      const payloads = ['{"n":1}', '{"n":2}', 'plain text', '\u00e9\u00e8'];
      for (const p of payloads) await target.pubsub.publish({ topic: t, data: Buffer.from(p), metadata: {} });
      await until(() => got.length === payloads.length, 10_000, 'all messages');
      expect(got.map((m) => m.data.toString())).toEqual(payloads);
      expect(got.every((m) => m.topic === t)).toBe(true);
      await sub.close();
    });

    it('keeps topics apart and stops delivering after close', async () => {
      const t1 = await topic();
      const t2 = await topic();
      const one: string[] = [];
      const two: string[] = [];
      const s1 = await target.pubsub.subscribe({ topic: t1, metadata: {} }, async (m) => void one.push(m.data.toString()));
      const s2 = await target.pubsub.subscribe({ topic: t2, metadata: {} }, async (m) => void two.push(m.data.toString()));
      await target.pubsub.publish({ topic: t1, data: Buffer.from('for-1'), metadata: {} });
      await target.pubsub.publish({ topic: t2, data: Buffer.from('for-2'), metadata: {} });
      await until(() => one.length === 1 && two.length === 1, 10_000, 'one message per topic');
      expect(one).toEqual(['for-1']);
      expect(two).toEqual(['for-2']);
      await s1.close();
      await target.pubsub.publish({ topic: t1, data: Buffer.from('late'), metadata: {} });
      await new Promise((r) => setTimeout(r, 300));
      expect(one).toEqual(['for-1']);
      await s2.close();
    });

    if (opts.wildcards) {
      it('matches + and # wildcard subscriptions', async () => {
        const base = await topic();
        const got: string[] = [];
        const sub = await target.pubsub.subscribe({ topic: `${base}/+/temp`, metadata: {} }, async (m) => void got.push(m.topic));
        const all: string[] = [];
        // Filters that do not overlap: MQTT brokers send a client one copy of a message.
        const sub2 = await target.pubsub.subscribe({ topic: `${base}/garden/#`, metadata: {} }, async (m) => void all.push(m.topic));
        await target.pubsub.publish({ topic: `${base}/kitchen/temp`, data: Buffer.from('1'), metadata: {} });
        await target.pubsub.publish({ topic: `${base}/kitchen/humidity`, data: Buffer.from('2'), metadata: {} });
        await target.pubsub.publish({ topic: `${base}/garden/bed/soil`, data: Buffer.from('3'), metadata: {} });
        await target.pubsub.publish({ topic: `${base}/garden`, data: Buffer.from('4'), metadata: {} });
        await until(() => all.length === 2 && got.length === 1, 10_000, 'wildcard deliveries');
        expect(got).toEqual([`${base}/kitchen/temp`]);
        expect(all.sort()).toEqual([`${base}/garden`, `${base}/garden/bed/soil`]);
        await sub.close();
        await sub2.close();
      });
    }
  });
}
