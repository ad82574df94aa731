import { describe, expect, it } from 'vitest';
import { emptyCounts } from '#domain/batch.ts';
import type { BatchRecord } from '#domain/batch-entity.ts';
import { batchOrderKey, findSuperseded, type Supersession } from '#domain/in-flight.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';

type Row = Pick<TrackingRow, 'identifier' | 'status' | 'entity_type'>;

/** A done batch number `minute` whose file holds `rows`, started by the producer at minute `minute` and claimed at `claimedMinute`. */
const batch = (name: string, minute: number, rows: Row[], claimedMinute = minute): BatchRecord & { rows: Row[] } => ({
  orgId: 'o',
  runId: 'r',
  batchKey: `records_updated#${name}`,
  batchType: 'records_updated',
  batchNumber: minute,
  state: 'done',
  counts: { ...emptyCounts(), received: rows.length, inFlight: rows.filter((r) => r.status === 'in_progress' || r.status === 'extracting').length },
  entityCounts: {},
  fileKey: `files/${name}.parquet`,
  startedAt: `2026-12-06T10:${String(minute).padStart(2, '0')}:00.000Z`,
  createdAt: `2026-12-06T11:${String(claimedMinute).padStart(2, '0')}:00.000Z`,
  expiresAt: '2026-12-20T00:00:00.000Z',
  rows,
});
const row = (identifier: string | null, status: string, entity_type: string | null = null): Row => ({ identifier, status, entity_type });

/** Files that answer each batch's rows and log every read: which file, which columns. */
function filesOf(batches: Array<BatchRecord & { rows: Row[] }>) {
  const reads: Array<{ key: string; columns: string[] }> = [];
  return {
    reads,
    async readColumns<K extends keyof TrackingRow>(key: string, columns: K[]) {
      reads.push({ key, columns: [...columns] });
      const rows = batches.find((b) => b.fileKey === key)!.rows;
      return rows.map((r) => Object.fromEntries(columns.map((c) => [c, (r as Record<string, unknown>)[c]]))) as Array<Pick<TrackingRow, K>>;
    },
  };
}

/** The superseded rows of these batches, as `name#row`, asked of the answer row by row. */
const supersededIn = (found: Supersession, batches: Array<BatchRecord & { rows: Row[] }>) =>
  batches.flatMap((b) => b.rows.flatMap((_, i) => (found.rows.has(batchOrderKey(b), i) ? [`${b.batchKey.split('#')[1]}#${i}`] : [])));

describe('findSuperseded', () => {
  it('settles in-flight records a later record of the same identifier reported, across batches and in the run order', async () => {
    // Arrange: the producer's order is a, b, c; SyncTrail claimed them c, a, b (parallel sends)
    const a = batch('a', 1, [row('x', 'succeeded'), row('y', 'in_progress', 'item')], 5);
    const b = batch('b', 2, [row('y', 'succeeded'), row('z', 'extracting', 'bp'), row('w', 'in_progress')], 6);
    const c = batch('c', 3, [row('z', 'rejected'), row(null, 'NULL')], 1);
    const files = filesOf([a, b, c]);

    // Act
    const found = await findSuperseded(files, [c, a, b]);

    // Assert: y (by b) and z (by c); w has no later record; x was never in flight
    expect(found.total).toBe(2);
    expect(supersededIn(found, [a, b, c])).toEqual(['a#1', 'b#1']);
    expect(found.byEntityType).toEqual({ item: 1, bp: 1 });
  });

  it("orders batches by the producer's start time, then number (as a number), then type; never by arrival", async () => {
    const key = (startedAt: string | undefined, batchNumber: number, batchType = 'records_updated') =>
      batchOrderKey({ startedAt, createdAt: '2026-12-06T12:00:00.000Z', batchNumber, batchType });
    const t = '2026-12-06T10:00:00.000Z';
    expect(key(t, 2) < key(t, 10)).toBe(true);
    expect(key(t, 10) < key('2026-12-06T10:00:01.000Z', 0)).toBe(true);
    expect(key('2026-12-06T12:00:00+02:00', 5)).toBe(key('2026-12-06T10:00:00Z', 5)); // offsets read as UTC
    expect(key(t, 3, 'records_deleted') < key(t, 3, 'records_updated')).toBe(true);
    expect(key(undefined, 0)).toBe(key('2026-12-06T12:00:00.000Z', 0)); // no start time: the first claim

    // Batch 6 (settling A) reaches SyncTrail before batch 5 (A in progress), started the same second.
    const five = { ...batch('five', 5, [row('A', 'in_progress')], 9), startedAt: t };
    const six = { ...batch('six', 6, [row('A', 'succeeded')], 1), startedAt: t };
    const found = await findSuperseded(filesOf([five, six]), [six, five]);
    expect(supersededIn(found, [five, six])).toEqual(['five#0']);
  });

  it('reads no batch older than the oldest in-flight one, and only identifiers of batches with none in flight', async () => {
    // Arrange: a large run whose in-flight records are all in its last batches
    const old = Array.from({ length: 50 }, (_, i) => batch(`old${i}`, 0, [row(`id-${i}`, 'succeeded')]));
    const working = batch('working', 1, [row('id-3', 'in_progress'), row('new', 'in_progress')]);
    const last = batch('last', 2, [row('new', 'succeeded')]);
    const files = filesOf([...old, working, last]);

    // Act
    const found = await findSuperseded(files, [...old, working, last]);

    // Assert: one record settled, and the 50 old files never read
    expect(found.total).toBe(1);
    expect(files.reads).toEqual([
      { key: 'files/last.parquet', columns: ['identifier'] },
      { key: 'files/working.parquet', columns: ['identifier', 'status', 'entity_type'] },
    ]);
  });

  it('keeps one bit per row of a batch with superseded rows, none for the other batches', async () => {
    // Arrange: 10,000 records in progress, every one settled by the next batch
    const ids = Array.from({ length: 10_000 }, (_, i) => `id-${i}`);
    const working = batch('working', 1, ids.map((id) => row(id, 'in_progress')));
    const settling = batch('settling', 2, ids.map((id) => row(id, 'succeeded')));

    // Act
    const found = await findSuperseded(filesOf([working, settling]), [working, settling]);

    // Assert: 1,250 bytes for 10,000 superseded rows (a Set of 'order#row' strings took ~1 MB)
    expect(found.total).toBe(10_000);
    expect(found.rows.bytes).toBe(1_250);
    expect(ids.every((_, i) => found.rows.has(batchOrderKey(working), i))).toBe(true);
    expect(found.rows.has(batchOrderKey(settling), 0)).toBe(false);
    expect(found.rows.has(batchOrderKey(working), 10_000)).toBe(false);
  });

  it('reads nothing when no counted batch holds an in-flight record', async () => {
    const files = filesOf([batch('a', 1, [row('x', 'succeeded')])]);
    expect((await findSuperseded(files, [batch('a', 1, [row('x', 'succeeded')])])).total).toBe(0);
    expect(files.reads).toEqual([]);
  });
});
