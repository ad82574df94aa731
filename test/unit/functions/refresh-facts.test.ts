import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Context } from 'aws-lambda';
import type { Deps } from '#domain/ports.ts';

const fakeContext = { functionName: 'refresh-facts', awsRequestId: 'req-1' } as Context;

const deps = vi.hoisted(() => ({ current: undefined as unknown }));
vi.mock('#adapters/deps.ts', () => ({ depsFromEnv: () => deps.current }));
const { handler } = await import('../../../functions/jobs/refresh-facts.ts');

/** No orgs (so no fact files to write) and a registry that answers fixed counts. */
function fakeDeps(dropPartitionsAfterDays?: number) {
  const dropped: Date[] = [];
  deps.current = {
    orgs: { listOrgIds: async () => [] },
    partitions: { registerRun: async () => undefined, dropCreatedBefore: async (before: Date) => (dropped.push(before), { scanned: 40, dropped: 12 }) },
    config: { retentionDays: 14, historyRetentionDays: 14, webhookRetryDelaysMs: [], ...(dropPartitionsAfterDays ? { dropPartitionsAfterDays } : {}) },
    clock: { now: () => new Date('2026-11-22T00:00:00.000Z') },
  } as unknown as Deps;
  return dropped;
}

beforeEach(() => {
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

describe('jobs/refresh-facts', () => {
  it('refreshes the fact tables, then drops expired sync_log partitions and returns the counts', async () => {
    // Arrange
    const dropped = fakeDeps(15);
    // Act
    const result = await handler(undefined, fakeContext);
    // Assert
    expect(dropped).toEqual([new Date('2026-11-07T00:00:00.000Z')]);
    expect(result).toEqual({
      orgs: 0,
      rows: { source_objects: 0, destinations: 0, destination_objects: 0 },
      partitions: { before: '2026-11-07T00:00:00.000Z', scanned: 40, dropped: 12 },
    });
  });

  it('drops nothing when the setting is absent (bring-your-own bucket)', async () => {
    const dropped = fakeDeps();

    const result = await handler(undefined, fakeContext);

    expect(dropped).toEqual([]);
    expect(result).not.toHaveProperty('partitions');
  });
});
