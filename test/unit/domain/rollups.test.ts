import { describe, expect, it } from 'vitest';
import { emptyCounts } from '#domain/batch.ts';
import type { BatchRecord } from '#domain/batch-entity.ts';
import type { Principal } from '#domain/keys.ts';
import type { Deps } from '#domain/ports.ts';
import type { Run } from '#domain/run-entity.ts';
import { getLogFacets, getStats } from '#domain/rollups.ts';

const READER: Principal = { kind: 'key', orgId: 'acme', keyId: 'key_r', scopes: ['read'] };

/** 40 running runs, each with two done batches holding an in-flight record; every file read and batch listing is logged. */
function runningRuns() {
  const now = new Date('2026-12-07T05:00:00.000Z');
  const runs = Array.from({ length: 40 }, (_, i) => ({ orgId: 'acme', runId: `r${i}`, syncId: 's', instance: 'job', status: 'running', dryRun: false, counts: emptyCounts(), entityCounts: {}, batchCount: 0, createdAt: now.toISOString(), recordsExpireAt: '2026-12-20T00:00:00.000Z', expiresAt: '2027-01-20T00:00:00.000Z' }) as unknown as Run);
  const batch = (runId: string, n: number): BatchRecord => ({
    orgId: 'acme', runId, batchKey: `records_updated#${n}`, batchType: 'records_updated', batchNumber: n, state: 'done', fileKey: `${runId}/${n}.parquet`, startedAt: now.toISOString(), createdAt: now.toISOString(), expiresAt: '2027-01-20T00:00:00.000Z',
    counts: { ...emptyCounts(), received: 1, inFlight: 1 }, entityCounts: { 'item|received': 1, 'item|inFlight': 1 },
  }) as BatchRecord;
  let listing = 0;
  let mostAtOnce = 0;
  const reads: string[] = [];
  const deps = {
    clock: { now: () => now },
    runs: {
      list: async () => ({ items: runs, nextCursor: null }),
      listBatches: async (_org: string, runId: string) => {
        listing += 1;
        mostAtOnce = Math.max(mostAtOnce, listing);
        await new Promise((resolve) => setTimeout(resolve, 1));
        listing -= 1;
        return [batch(runId, 0), batch(runId, 1)];
      },
    },
    files: { readColumns: async (key: string) => (reads.push(key), [{ identifier: 'x', status: 'in_progress', entity_type: 'item' }]) },
  } as unknown as Deps;
  return { deps, reads, mostAtOnce: () => mostAtOnce };
}

describe('rollups over running runs', () => {
  it('facets read no parquet file: entity types come from the batch items', async () => {
    const { deps, reads } = runningRuns();
    expect(await getLogFacets(deps, READER, {})).toEqual({ instances: ['job'], entityTypes: ['item'], truncated: false });
    expect(reads).toEqual([]);
  });

  it('stats settle in-flight records by reading files, a few runs at a time', async () => {
    const { deps, reads, mostAtOnce } = runningRuns();
    const stats = await getStats(deps, READER, {});
    expect(stats).toMatchObject({ runs: 40, countedFrom: 'counters' });
    expect(reads.length).toBeGreaterThan(0);
    expect(mostAtOnce()).toBeLessThanOrEqual(8);
    expect(mostAtOnce()).toBeGreaterThan(1);
  });
});
