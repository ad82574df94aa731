import { describe, expect, it } from 'vitest';
import { emptyCounts } from '#domain/batch.ts';
import type { BatchRecord } from '#domain/batch-entity.ts';
import type { Principal } from '#domain/keys.ts';
import type { Deps } from '#domain/ports.ts';
import { exportQuerySchema, exportRecords, listRecords, recordsQuerySchema } from '#domain/records.ts';
import type { Run } from '#domain/run-entity.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';

const READER: Principal = { kind: 'key', orgId: 'acme', keyId: 'key_r', scopes: ['read'] };
const NOW = new Date('2026-12-07T05:00:00.000Z');
const WALK = 'identifier,status,entity_type,reported_status';

type Row = Pick<TrackingRow, 'identifier' | 'status'>;
const row = (identifier: string, status = 'succeeded'): Row => ({ identifier, status });

/** One running run `r` of done batches 0…n-1 (batch 0 oldest) holding these rows; every file read is logged. */
function oneRun(contents: Row[][]) {
  const run = { orgId: 'acme', runId: 'r', syncId: 's', status: 'running', dryRun: false, expiresAt: '2027-01-20T00:00:00.000Z', recordsExpireAt: '2026-12-20T00:00:00.000Z' } as unknown as Run;
  const batches = contents.map(
    (rows, n) =>
      ({
        orgId: 'acme', runId: 'r', batchKey: `records_updated#${n}`, batchType: 'records_updated', batchNumber: n, state: 'done', fileKey: `${n}.parquet`,
        startedAt: NOW.toISOString(), createdAt: NOW.toISOString(), expiresAt: '2027-01-20T00:00:00.000Z', entityCounts: {},
        counts: { ...emptyCounts(), received: rows.length, inFlight: rows.filter((r) => r.status === 'in_progress').length },
      }) as BatchRecord,
  );
  const full = (n: number, i: number): TrackingRow =>
    ({
      ...contents[n]![i]!, record_payload: '{}', operation: 'upsert', status_message: null, batch_started_at: NOW, batch_ended_at: NOW, sync_configuration_id: 's', sync_run_id: 'r',
      entity_type: null, target_id: null, instance: null, reported_status: contents[n]![i]!.status, event_date: null, is_final: false, batch_type: 'records_updated', batch_number: n, row_number: i,
    }) as TrackingRow;
  const reads: string[] = [];
  const n = (key: string) => Number(key.split('.')[0]);
  const deps = {
    clock: { now: () => NOW },
    runs: { get: async () => run, listBatches: async () => batches },
    files: {
      async readColumns(key: string, columns: Array<keyof TrackingRow>) {
        reads.push(`${n(key)}:${columns.join(',')}`);
        return contents[n(key)]!.map((_, i) => Object.fromEntries(columns.map((c) => [c, full(n(key), i)[c]])));
      },
      async readRows(key: string, start: number, end: number) {
        reads.push(`${n(key)}:rows ${start}-${end}`);
        return Array.from({ length: end - start }, (_, i) => full(n(key), start + i));
      },
      async findRows(key: string, identifier: string) {
        reads.push(`${n(key)}:find ${identifier}`);
        return contents[n(key)]!.flatMap((r, i) => (r.identifier === identifier ? [full(n(key), i)] : [])).reverse();
      },
    },
  } as unknown as Deps;
  return { deps, reads };
}

const list = (deps: Deps, query: Record<string, unknown>) => listRecords(deps, READER, 'r', recordsQuerySchema.parse(query));
const ids = (answer: Awaited<ReturnType<typeof list>>) => answer.items.map((r) => `${r.identifier}:${r.status}`);

describe("a run's records: what leaving superseded rows out reads", () => {
  it('a run with no in-flight record reads what it lists and nothing more', async () => {
    const { deps, reads } = oneRun([[row('x'), row('y')], [row('z'), row('w')]]);
    expect(ids(await list(deps, { limit: 3 }))).toEqual(['z:succeeded', 'w:succeeded', 'x:succeeded']);
    expect(reads).toEqual([`1:${WALK}`, '1:rows 0-2', `0:${WALK}`, '0:rows 0-1']);
    reads.length = 0;
    await exportRecords(deps, READER, 'r', exportQuerySchema.parse({}));
    expect(reads).toEqual([`1:${WALK}`, '1:rows 0-2', `0:${WALK}`, '0:rows 0-2']);
    reads.length = 0;
    expect(ids(await list(deps, { identifier: 'x' }))).toEqual(['x:succeeded']);
    expect(reads.sort()).toEqual(['0:find x', '1:find x']);
  });

  it('a run with in-flight records reads each batch once, as it walks', async () => {
    // Batch 0 reports a in progress, batch 1 settles it, and settles its own b.
    const { deps, reads } = oneRun([[row('a', 'in_progress'), row('c')], [row('b', 'in_progress'), row('b'), row('a')]]);
    expect(ids(await list(deps, {}))).toEqual(['b:succeeded', 'a:succeeded', 'c:succeeded']);
    expect(reads).toEqual([`1:${WALK}`, '1:rows 1-3', `0:${WALK}`, '0:rows 1-2']);
  });

  it('an identifier lookup judges the identifier by its own rows, and a resumed page reads no newer batch', async () => {
    // a: in progress in batch 0, in progress then succeeded in batch 1, succeeded again in batch 2.
    const { deps, reads } = oneRun([[row('a', 'in_progress'), row('c')], [row('a', 'in_progress'), row('a')], [row('a')]]);
    const first = await list(deps, { identifier: 'a', limit: 1 });
    expect(ids(first)).toEqual(['a:succeeded']);
    const next = await list(deps, { identifier: 'a', limit: 1, cursor: first.nextCursor });
    expect(ids(next)).toEqual(['a:succeeded']);
    // Resuming in batch 1: batch 2 (newer) is not asked again; batch 1's own a settles the rest.
    reads.length = 0;
    const last = await list(deps, { identifier: 'a', limit: 1, cursor: next.nextCursor });
    expect(last).toEqual({ items: [], nextCursor: null });
    expect(reads.sort()).toEqual(['0:find a', '1:find a']);
    expect(ids(await list(deps, { identifier: 'a', status: 'in_progress' }))).toEqual([]);
  });
});
