import { describe, expect, it } from 'vitest';

import { kafkaBindingMetadata } from '../../../src/dapr-components/bindings/kafka/index.js';
import { kafkaPubSubMetadata } from '../../../src/dapr-components/pubsub/kafka/index.js';
import { recordMetadata, toRecord } from '../../../src/dapr-components/clients/kafka.js';

describe('kafka records and metadata', () => {
  it('maps partitionKey/__key to the key, partitionNumber to the partition, the rest to headers', () => {
    expect(toRecord(Buffer.from('v'), { partitionKey: 'k', partitionNumber: '2', traceparent: 'tp', rawPayload: 'true' })).toEqual({
      value: Buffer.from('v'),
      key: 'k',
      partition: 2,
      headers: { traceparent: 'tp' },
    });
  });

  it('delivers record headers plus __key, __topic, __partition, __offset, __timestamp', () => {
    const md = recordMetadata('orders', 1, { key: Buffer.from('k1'), value: null, offset: '42', timestamp: '1700000000000', attributes: 0, headers: { h: Buffer.from('v'), skip: 'x' } } as never, {
      excludeHeaderMetaRegex: '^skip$',
      escapeHeaders: false,
    });
    expect(md).toEqual({ h: 'v', __key: 'k1', __topic: 'orders', __partition: '1', __offset: '42', __timestamp: '1700000000000' });
  });

  it('parses metadata with daprd defaults and refuses auth types it cannot do', () => {
    expect(kafkaBindingMetadata.parse({ brokers: 'a:9092, b:9092', topics: 't1,t2', publishTopic: 'out', authType: 'none' })).toMatchObject({
      brokers: ['a:9092', 'b:9092'],
      topics: ['t1', 't2'],
      initialOffset: 'newest',
      consumeRetryEnabled: false,
    });
    expect(kafkaPubSubMetadata.parse({ brokers: 'a:9092' }).consumeRetryEnabled).toBe(true);
    expect(kafkaPubSubMetadata.safeParse({ brokers: 'a:9092', authType: 'awsiam' }).success).toBe(false);
    expect(kafkaPubSubMetadata.safeParse({}).success).toBe(false);
  });
});
