import { emptyCounts } from '#domain/batch.ts';
import type { BatchRecord } from '#domain/batch-entity.ts';
import { batchOrderKey, findSuperseded } from '#domain/in-flight.ts';
import type { Principal } from '#domain/keys.ts';
import { encodePosition } from '#domain/records.ts';
import type { Deps } from '#domain/ports.ts';
import type { Run } from '#domain/run-entity.ts';
import { countLogRows, listLogs, logsQuerySchema } from '#domain/sync-logs.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';

/**
 * `node --expose-gc --import tsx bench/supersession.ts`: what superseded in-flight records cost
 * Sync Logs, on synthetic runs held in memory (no parquet, no S3: the files answer generated rows).
 *
 * 1. Heap: the answer of `findSuperseded` for a run of 2,000,000 rows, 1,000,000 of them
 *    in-flight reports settled by a later batch; what stays on the heap after a full GC while
 *    the answer is held.
 * 2. Rows read: a 1,000,000-row run (100 batches of 10,000) whose first 10 batches report in
 *    progress and batches 50–59 settle half of them. Rows (and row × column cells) `readColumns` hands
 *    back for a first Sync Logs page, the page after it, a page resuming halfway down the run,
 *    and the row-counted stat cards.
 *
 * Counts, not timings: the figures are the same on any machine.
 */
const ROWS_PER_BATCH = 10_000;
const NOW = new Date('2026-12-07T05:00:00.000Z');
const READER: Principal = { kind: 'key', orgId: 'acme', keyId: 'key_r', scopes: ['read'] };
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const mb = (bytes: number) => (Math.abs(bytes) < 1024 * 1024 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

type Synth = (batch: number, row: number) => { identifier: string; status: string };

const batchOf = (n: number, synth: Synth): BatchRecord => {
  let inFlight = 0;
  for (let i = 0; i < ROWS_PER_BATCH; i += 1) if (synth(n, i).status === 'in_progress') inFlight += 1;
  return {
    orgId: 'acme',
    runId: 'r',
    batchKey: `records_updated#${n}`,
    batchType: 'records_updated',
    batchNumber: n,
    state: 'done',
    fileKey: `r/${n}.parquet`,
    startedAt: NOW.toISOString(),
    createdAt: NOW.toISOString(),
    expiresAt: '2027-01-20T00:00:00.000Z',
    counts: { ...emptyCounts(), received: ROWS_PER_BATCH, inFlight, succeeded: ROWS_PER_BATCH - inFlight },
    entityCounts: {},
  } as BatchRecord;
};

const fullRow = (batch: number, row: number, synth: Synth): TrackingRow => ({
  ...synth(batch, row),
  record_payload: '{}',
  operation: 'upsert',
  status_message: null,
  batch_started_at: NOW,
  batch_ended_at: NOW,
  sync_configuration_id: 's',
  sync_run_id: 'r',
  org_id: 'acme',
  workspace_id: null,
  source_object_id: 'src',
  destination_id: 'dst',
  destination_object_id: null,
  entity_type: 'item',
  target_id: null,
  instance: 'job',
  reported_status: synth(batch, row).status,
  event_date: null,
  is_final: false,
  batch_type: 'records_updated',
  batch_number: batch,
  row_number: row,
});

/** Files that generate each batch's rows when read (nothing kept), counting what they hand back. */
function filesOf(synth: Synth) {
  const read = { rows: 0, cells: 0, files: 0 };
  const batchNumber = (key: string) => Number(/\/(\d+)\.parquet$/.exec(key)![1]);
  return {
    read,
    async readColumns<K extends keyof TrackingRow>(key: string, columns: K[]) {
      const n = batchNumber(key);
      read.files += 1;
      read.rows += ROWS_PER_BATCH;
      read.cells += ROWS_PER_BATCH * columns.length;
      const rows = new Array<Pick<TrackingRow, K>>(ROWS_PER_BATCH);
      for (let i = 0; i < ROWS_PER_BATCH; i += 1) {
        const { identifier, status } = synth(n, i);
        const row: Record<string, unknown> = {};
        for (const c of columns) row[c] = c === 'identifier' ? identifier : c === 'status' || c === 'reported_status' ? status : c === 'entity_type' ? 'item' : fullRow(n, i, synth)[c];
        rows[i] = row as Pick<TrackingRow, K>;
      }
      return rows;
    },
    async readRows(key: string, start: number, end: number) {
      const n = batchNumber(key);
      return Array.from({ length: end - start }, (_, i) => fullRow(n, start + i, synth));
    },
  };
}

async function heap() {
  // 200 batches: 0–99 report 1M identifiers in progress, 100–199 settle every one of them.
  const synth: Synth = (b, i) => ({ identifier: `user-${(b % 100) * ROWS_PER_BATCH + i}@example.com`, status: b < 100 ? 'in_progress' : 'succeeded' });
  const batches = Array.from({ length: 200 }, (_, n) => batchOf(n, synth));
  const files = filesOf(synth);
  gc!();
  const before = process.memoryUsage().heapUsed;
  const found = await findSuperseded(files, batches);
  gc!();
  const retained = process.memoryUsage().heapUsed - before;
  const bits = (found.rows as { bytes?: number }).bytes;
  console.log(`heap retained by findSuperseded's answer: ${found.total.toLocaleString('en-US')} superseded rows, ${mb(retained)} (${(retained / found.total).toFixed(2)} bytes per row)${bits === undefined ? '' : `; its bits: ${mb(bits)}`}`);
}

async function reads() {
  // 100 batches: 0–9 report in progress, 50–59 settle half of those identifiers, the rest succeed.
  const settles = (b: number, i: number) => b >= 50 && b < 60 && i % 2 === 0;
  const synth: Synth = (b, i) => ({ identifier: `user-${(settles(b, i) ? b - 50 : b) * ROWS_PER_BATCH + i}@example.com`, status: b < 10 ? 'in_progress' : 'succeeded' });
  const batches = Array.from({ length: 100 }, (_, n) => batchOf(n, synth));
  const run = { orgId: 'acme', runId: 'r', syncId: 's', instance: 'job', status: 'running', dryRun: false, recordsExpireAt: '2026-12-20T00:00:00.000Z' } as unknown as Run;
  const files = filesOf(synth);
  const deps = {
    clock: { now: () => NOW },
    files,
    runs: {
      get: async () => run,
      list: async (_org: string, query: { cursor?: string }) => ({ items: query.cursor ? [] : [run], nextCursor: null }),
      cursorAfter: () => 'after-r',
      listBatches: async () => batches.map((b) => ({ ...b })),
    },
  } as unknown as Deps;
  const measure = async (what: string, act: () => Promise<unknown>) => {
    const start = { ...files.read };
    await act();
    console.log(`${what}: ${(files.read.rows - start.rows).toLocaleString('en-US')} rows read (${(files.read.cells - start.cells).toLocaleString('en-US')} cells, ${files.read.files - start.files} file reads)`);
  };
  let cursor: string | null = null;
  await measure('Sync Logs, first page (limit 50)', async () => {
    cursor = (await listLogs(deps, READER, logsQuerySchema.parse({ limit: 50 }))).nextCursor;
  });
  await measure('Sync Logs, next page (limit 50)', () => listLogs(deps, READER, logsQuerySchema.parse({ limit: 50, cursor })));
  // A cursor as a page that stopped at the end of batch 50 hands back (Sync Logs' cursor shape).
  const deep = encodePosition({ after: 'after-r', run: 'r', batch: batchOrderKey(batches[50]!), row: ROWS_PER_BATCH - 1 });
  await measure('Sync Logs, a page resuming below batch 50 (limit 50)', () => listLogs(deps, READER, logsQuerySchema.parse({ limit: 50, cursor: deep })));
  await measure('stat cards counted from rows (status=in_progress)', async () => {
    const cards = await countLogRows(deps, 'acme', {}, { status: logsQuerySchema.parse({ status: 'in_progress' }).status });
    console.log(`  cards: ${JSON.stringify(cards)}`);
  });
}

await heap();
await reads();
