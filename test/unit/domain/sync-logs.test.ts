import { describe, expect, it } from 'vitest';
import { emptyCounts } from '#domain/batch.ts';
import type { BatchRecord } from '#domain/batch-entity.ts';
import type { Principal } from '#domain/keys.ts';
import type { Deps } from '#domain/ports.ts';
import type { Run } from '#domain/run-entity.ts';
import { MAX_LINES_PER_UPLOAD } from '#domain/uploads.ts';
import { MAX_RECORDS_PER_BATCH } from '#domain/batch.ts';
import { countLogRows, listLogs, logsQuerySchema, MAX_ROWS_PER_ROW_COUNT } from '#domain/sync-logs.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';

const READER: Principal = { kind: 'key', orgId: 'acme', keyId: 'key_r', scopes: ['read'] };
const NOW = new Date('2026-12-07T05:00:00.000Z');

type Row = Pick<TrackingRow, 'identifier' | 'status'>;
const row = (identifier: string, status = 'succeeded'): Row => ({ identifier, status });

/** A batch's rows, and how many records its item says it received (its rows, unless told). */
type Contents = Row[] | { rows: Row[]; received: number };
const rowsOf = (c: Contents) => (Array.isArray(c) ? c : c.rows);

/**
 * Running runs, newest first, of done batches 0…n-1 each (the producer's order: batch 0 oldest)
 * holding these rows; every file read is logged: which run and batch, which columns.
 */
function someRuns(contentsByRun: Record<string, Contents[]>) {
  const runs = Object.keys(contentsByRun).map((runId) => ({ orgId: 'acme', runId, syncId: 's', instance: 'job', status: 'running', dryRun: false, recordsExpireAt: '2026-12-20T00:00:00.000Z' }) as unknown as Run);
  const batchesOf = (runId: string) =>
    contentsByRun[runId]!.map(
      (c, n) =>
        ({
          orgId: 'acme', runId, batchKey: `records_updated#${n}`, batchType: 'records_updated', batchNumber: n, state: 'done', fileKey: `${runId}/${n}.parquet`,
          startedAt: NOW.toISOString(), createdAt: NOW.toISOString(), expiresAt: '2027-01-20T00:00:00.000Z', entityCounts: {},
          counts: { ...emptyCounts(), received: Array.isArray(c) ? c.length : c.received, inFlight: rowsOf(c).filter((r) => r.status === 'in_progress').length },
        }) as BatchRecord,
    );
  const rowAt = (runId: string, n: number, i: number) => rowsOf(contentsByRun[runId]![n]!)[i]!;
  const full = (runId: string, n: number, i: number): TrackingRow =>
    ({
      ...rowAt(runId, n, i), record_payload: '{}', operation: 'upsert', status_message: null, batch_started_at: NOW, batch_ended_at: NOW, sync_configuration_id: 's', sync_run_id: runId,
      entity_type: null, target_id: null, instance: 'job', reported_status: rowAt(runId, n, i).status, event_date: null, is_final: false, batch_type: 'records_updated', batch_number: n, row_number: i,
    }) as TrackingRow;
  const reads: string[] = [];
  const placeOf = (key: string) => {
    const [, runId, n] = /^(.+)\/(\d+)\.parquet$/.exec(key)!;
    return { runId: runId!, n: Number(n) };
  };
  const deps = {
    clock: { now: () => NOW },
    runs: {
      get: async (_org: string, runId: string) => runs.find((r) => r.runId === runId),
      list: async (_org: string, query: { cursor?: string }) => ({ items: query.cursor ? [] : runs, nextCursor: null }),
      cursorAfter: (run: Run) => `after-${run.runId}`,
      listBatches: async (_org: string, runId: string) => batchesOf(runId),
    },
    files: {
      async readColumns(key: string, columns: Array<keyof TrackingRow>) {
        const { runId, n } = placeOf(key);
        reads.push(`${runId === 'r' ? '' : `${runId}/`}${n}:${columns.join(',')}`);
        return rowsOf(contentsByRun[runId]![n]!).map((_, i) => Object.fromEntries(columns.map((c) => [c, full(runId, n, i)[c]])));
      },
      readRows: async (key: string, start: number, end: number) => {
        const { runId, n } = placeOf(key);
        return Array.from({ length: end - start }, (_, i) => full(runId, n, start + i));
      },
    },
  } as unknown as Deps;
  return { deps, reads };
}

/** One run, `r`. */
const oneRun = (contents: Contents[]) => someRuns({ r: contents });

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

describe('the stat cards counted from rows', () => {
  const statusFilter = (status: string) => ({ status: logsQuerySchema.parse({ status }).status });

  it('read each batch of a run with in-flight records once, superseded rows left out', async () => {
    // Batch 0 reports a and b in progress, batch 2 settles a; batch 1 settles its own g.
    const { deps, reads } = oneRun([[row('a', 'in_progress'), row('b', 'in_progress')], [row('g', 'in_progress'), row('g')], [row('a'), row('e')]]);
    const cards = await countLogRows(deps, 'acme', {}, statusFilter('in_progress'));
    expect(cards).toEqual({ totalOperations: 1, success: 0, partialSuccess: 0, failed: 0, inProgress: 1, runs: 1, truncated: false });
    expect(reads).toEqual([`2:${WALK}`, `1:${WALK}`, `0:${WALK}`]);
  });

  it(`stop at ${MAX_ROWS_PER_ROW_COUNT.toLocaleString('en-US')} rows before the batch that would pass it, and say truncated`, async () => {
    // Batch items say how many rows their files hold; the files here hold one row each.
    const big = (identifier: string, received: number) => ({ rows: [row(identifier)], received });
    const { deps, reads } = someRuns({
      newest: [big('n0', 300_000), big('n1', 600_000)],
      middle: [big('m0', 400_000), big('m1', 600_000), big('m2', 500_000)],
      oldest: [big('o0', 1)],
    });
    const cards = await countLogRows(deps, 'acme', {}, statusFilter('success'));
    // newest: 900k; with middle's newest batches m2 and m1, 2.0M: m0 would pass the limit
    expect(cards).toMatchObject({ totalOperations: 4, success: 4, runs: 2, truncated: true });
    expect(reads.map((r) => r.split(':')[0])).toEqual(['newest/1', 'newest/0', 'middle/2', 'middle/1']);
  });

  it('count a run that fits exactly, then stop at the next one', async () => {
    const { deps } = someRuns({ full: [{ rows: [row('f')], received: MAX_ROWS_PER_ROW_COUNT }], next: [[row('x')]] });
    expect(await countLogRows(deps, 'acme', {}, statusFilter('success'))).toMatchObject({ totalOperations: 1, runs: 1, truncated: true });
  });

  it('always fit the largest batch there can be', () => {
    expect(MAX_ROWS_PER_ROW_COUNT).toBeGreaterThanOrEqual(Math.max(MAX_LINES_PER_UPLOAD, MAX_RECORDS_PER_BATCH));
  });
});
