import { describe, expect, it } from 'vitest';
import { kafkaLag, type PartitionOffsets } from '../../../src/scaling/index.js';

const p = (partition: number, latest: number, committed: number): PartitionOffsets => ({ topic: 't', partition, latest, committed });

describe('kafkaLag (KEDA kafka scaler arithmetic)', () => {
  it('sums latest − committed over partitions', () => {
    expect(kafkaLag([p(0, 10, 4), p(1, 7, 7)], { lagThreshold: 10 })).toMatchObject({ value: 6, activity: 6, totalLag: 6, partitionsWithLag: 1 });
  });

  it('counts a partition without a committed offset as 1 (offsetResetPolicy latest, the default)', () => {
    expect(kafkaLag([p(0, 50, -1), p(1, 5, 2)], {}).value).toBe(4);
  });

  it('counts it from offset 0 with offsetResetPolicy earliest, and as 0 with scaleToZeroOnInvalidOffset', () => {
    expect(kafkaLag([p(0, 50, -1)], { offsetResetPolicy: 'earliest', allowIdleConsumers: true }).value).toBe(50);
    expect(kafkaLag([p(0, 50, -1)], { offsetResetPolicy: 'earliest', scaleToZeroOnInvalidOffset: true }).value).toBe(0);
    expect(kafkaLag([p(0, 50, -1)], { scaleToZeroOnInvalidOffset: true }).value).toBe(0);
  });

  it('caps the metric at partitions × lagThreshold unless allowIdleConsumers (activity stays uncapped)', () => {
    const offsets = [p(0, 100, 0), p(1, 100, 0)];
    expect(kafkaLag(offsets, { lagThreshold: 10 })).toMatchObject({ value: 20, activity: 200 });
    expect(kafkaLag(offsets, { lagThreshold: 10, allowIdleConsumers: true }).value).toBe(200);
    // KEDA's check is integer division: 29 / 10 = 2, not above 2 partitions, so no cap.
    expect(kafkaLag([p(0, 29, 0), p(1, 0, 0)], { lagThreshold: 10 }).value).toBe(29);
  });

  it('caps at the partitions with lag with limitToPartitionsWithLag', () => {
    expect(kafkaLag([p(0, 100, 0), p(1, 3, 3), p(2, 3, 3)], { lagThreshold: 10, limitToPartitionsWithLag: true }).value).toBe(10);
  });

  it('rounds up to a factor of the partition count with ensureEvenDistributionOfPartitions', () => {
    // 6 partitions, lag 25, threshold 10: factors 1 2 3 6, first with f × 10 ≥ 25 is 3.
    const six = [0, 1, 2, 3, 4, 5].map((i) => p(i, i === 0 ? 25 : 0, 0));
    expect(kafkaLag(six, { lagThreshold: 10, ensureEvenDistributionOfPartitions: true }).value).toBe(30);
  });

  it('drops lag that did not move since the last read with excludePersistentLag (not from activity)', () => {
    const previous = new Map<string, number>();
    expect(kafkaLag([p(0, 10, 4)], { excludePersistentLag: true }, previous)).toMatchObject({ value: 6, activity: 6 });
    expect(kafkaLag([p(0, 12, 4)], { excludePersistentLag: true }, previous)).toMatchObject({ value: 0, activity: 8 });
    expect(kafkaLag([p(0, 12, 5)], { excludePersistentLag: true }, previous)).toMatchObject({ value: 7, activity: 7 });
  });
});
