import { describe, expect, it } from 'vitest';
import { dropExpiredPartitions } from '#domain/expired-partitions.ts';
import type { Deps, PartitionRegistry } from '#domain/ports.ts';

/** Deps with only what dropping partitions uses: a clock, the config and a recording registry. */
function depsWith(dropPartitionsAfterDays: number | undefined) {
  const cutoffs: Date[] = [];
  const partitions: PartitionRegistry = {
    registerRun: async () => undefined,
    dropCreatedBefore: async (before) => {
      cutoffs.push(before);
      return { scanned: 7, dropped: 3 };
    },
  };
  const config = { retentionDays: 14, historyRetentionDays: 14, webhookRetryDelaysMs: [], ...(dropPartitionsAfterDays ? { dropPartitionsAfterDays } : {}) };
  const deps = { partitions, config, clock: { now: () => new Date('2026-11-22T06:00:00.000Z') } } as unknown as Deps;
  return { deps, cutoffs };
}

describe('dropExpiredPartitions', () => {
  it('drops the partitions created more than the configured days ago, and answers the counts', async () => {
    // Arrange
    const { deps, cutoffs } = depsWith(15);
    // Act
    const result = await dropExpiredPartitions(deps);
    // Assert
    expect(cutoffs).toEqual([new Date('2026-11-07T06:00:00.000Z')]);
    expect(result).toEqual({ before: '2026-11-07T06:00:00.000Z', scanned: 7, dropped: 3 });
  });

  it('leaves the catalogue alone when the deployment keeps its partitions', async () => {
    const { deps, cutoffs } = depsWith(undefined);

    await expect(dropExpiredPartitions(deps)).resolves.toBeUndefined();
    expect(cutoffs).toEqual([]);
  });
});
