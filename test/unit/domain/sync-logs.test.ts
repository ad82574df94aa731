import { describe, expect, it } from 'vitest';
import { emptyCounts, type BatchRecord } from '#domain/batch.ts';
import type { Principal } from '#domain/keys.ts';
import type { Deps } from '#domain/ports.ts';
import type { Run } from '#domain/run-entity.ts';
import { listLogs, logsQuerySchema } from '#domain/sync-logs.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';

const READER: Principal = { kind: 'key', orgId: 'acme', keyId: 'key_r', scopes: ['read'] };
const NOW = new Date('2026-12-07T05:00:00.000Z');

type Row = Pick<TrackingRow, 'identifier' | 'status'>;
const row = (identifier: string, status = 'succeeded'): Row => ({ identifier, status });

/**
 * One running run of done batches 0…n-1 (the producer's order: batch 0 oldest) holding these
 * rows; every file read is logged: which batch, which columns.
 */
function oneRun(contents: Row[][]) {
  const run = { orgId: 'acme', runId: 'r', syncId: 's', instance: 'job', status: 'running', dryRun: false, recordsExpireAt: '2026-12-20T00:00:00.000Z' } as unknown as Run;
  const batches = contents.map(
    (rows, n) =>
      ({
        orgId: 'acme', runId: 'r', batchKey: `records_updated#${n}`, batchType: 'records_updated', batchNumber: n, state: 'done', fileKey: `r/${n}.parquet`,
        startedAt: NOW.toISOString(), createdAt: NOW.toISOString(), expiresAt: '2027-01-20T00:00:00.000Z', entityCounts: {},
        counts: { ...emptyCounts(), received: rows.length, inFlight: rows.filter((r) => r.status === 'in_progress').length },
      }) as BatchRecord,
  );
  const full = (n: number, i: number): TrackingRow =>
    ({
      ...contents[n]![i]!, record_payload: '{}', operation: 'upsert', status_message: null, batch_started_at: NOW, batch_ended_at: NOW, sync_configuration_id: 's', sync_run_id: 'r',
      entity_type: null, target_id: null, instance: 'job', reported_status: contents[n]![i]!.status, event_date: null, is_final: false, batch_type: 'records_updated', batch_number: n, row_number: i,
    }) as TrackingRow;
  const reads: string[] = [];
  const batchOf = (key: string) => Number(/\/(\d+)\.parquet$/.exec(key)![1]);
  const deps = {
    clock: { now: () => NOW },
    runs: {
      get: async () => run,
      list: async (_org: string, query: { cursor?: string }) => ({ items: query.cursor ? [] : [run], nextCursor: null }),
      cursorAfter: () => 'after-r',
      listBatches: async () => batches.map((b) => ({ ...b })),
    },
    files: {
      async readColumns(key: string, columns: Array<keyof TrackingRow>) {
        const n = batchOf(key);
        reads.push(`${n}:${columns.join(',')}`);
        return contents[n]!.map((_, i) => Object.fromEntries(columns.map((c) => [c, full(n, i)[c]])));
      },
      readRows: async (key: string, start: number, end: number) => Array.from({ length: end - start }, (_, i) => full(batchOf(key), start + i)),
    },
  } as unknown as Deps;
  return { deps, reads };
}

const page = (deps: Deps, limit: number, cursor?: string | null) => listLogs(deps, READER, logsQuerySchema.parse({ limit, ...(cursor ? { cursor } : {}) }));
const WALK = 'identifier,status,entity_type,reported_status';

describe('Sync Logs pages over a run with in-flight records', () => {
  // Batch 0 reports a and b in progress, batches 2 and 3 report a again; batch 1 settles its own g (newest batch first: batch 3 is listed first).
  const contents = () => [[row('a', 'in_progress'), row('b', 'in_progress')], [row('c'), row('g', 'in_progress'), row('d'), row('g')], [row('a'), row('e')], [row('a'), row('f')]];
  const listed = ['a', 'f', 'a', 'e', 'c', 'd', 'g', 'b']; // batch 0's a and batch 1's first g are superseded

  it('leave superseded rows out, page after page, as one page does', async () => {
    const { deps } = oneRun(contents());
    expect((await page(deps, 100)).items.map((r) => r.sourceId)).toEqual(listed);
    for (const limit of [1, 2, 3]) {
      const seen: Array<string | null> = [];
      let cursor: string | null = null;
      do {
        const answer: Awaited<ReturnType<typeof page>> = await page(deps, limit, cursor);
        seen.push(...answer.items.map((r) => r.sourceId));
        cursor = answer.nextCursor;
      } while (cursor);
      expect(seen, `limit=${limit}`).toEqual(listed);
    }
  });

  it('a first page reads the batches it lists, once each, not a separate pass over the run', async () => {
    const { deps, reads } = oneRun(contents());
    await page(deps, 2);
    expect(reads).toEqual([`3:${WALK}`]);
  });

  it('a page resuming at or after the oldest in-flight batch first reads the newer batches identifiers, one column', async () => {
    const { deps, reads } = oneRun(contents());
    const first = await page(deps, 4); // a f a e: stops in batch 2
    reads.length = 0;
    const next = await page(deps, 2, first.nextCursor);
    expect(next.items.map((r) => r.sourceId)).toEqual(['c', 'd']);
    expect(reads).toEqual(['3:identifier', `2:${WALK}`, `1:${WALK}`]);
  });

  it('a page resuming below the oldest in-flight batch reads nothing more than it lists', async () => {
    // Batches 0 and 1 settled, the in-flight records are in batch 2 and settled by batch 3.
    const { deps, reads } = oneRun([[row('x'), row('y')], [row('z'), row('w')], [row('a', 'in_progress'), row('b')], [row('a')]]);
    const first = await page(deps, 4); // a b (batch 2's a left out) z w: stops in batch 1
    expect(first.items.map((r) => r.sourceId)).toEqual(['a', 'b', 'z', 'w']);
    reads.length = 0;
    const next = await page(deps, 10, first.nextCursor);
    expect(next.items.map((r) => r.sourceId)).toEqual(['x', 'y']);
    expect(reads).toEqual([`1:${WALK}`, `0:${WALK}`]);
  });
});
