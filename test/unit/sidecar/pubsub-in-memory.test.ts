import { describe, expect, it } from 'vitest';

import { InMemoryPubSub } from '../../../src/dapr-components/pubsub/in-memory/pubsub.js';
import { topicMatches } from '../../../src/dapr-components/pubsub/topic-match.js';
import { silentLogger } from '../../../src/sidecar/logger.js';
import { describePubSub } from './contracts/pubsub-contract.js';

describePubSub('pubsub.in-memory', async () => {
  const pubsub = new InMemoryPubSub(silentLogger);
  return { pubsub, dispose: () => pubsub.close() };
}, { wildcards: true });

describe('topic filters', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a/b/c', true],
    ['a/#', 'a', true],
    ['a/#', 'ab', false],
    ['#', 'x/y', true],
    ['+/b/+', 'a/b/c', true],
    ['a/b', 'a/c', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('pubsub.in-memory delivery', () => {
  it('only delivers to subscriptions that exist at publish time, and does not retry failures', async () => {
    const pubsub = new InMemoryPubSub(silentLogger);
    await pubsub.publish({ topic: 't', data: Buffer.from('early'), metadata: {} });
    let calls = 0;
    await pubsub.subscribe({ topic: 't', metadata: {} }, async () => {
      calls++;
      throw new Error('app failed');
    });
    await pubsub.publish({ topic: 't', data: Buffer.from('late'), metadata: {} });
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(1);
  });
});
