import { NO_ENTITY_TYPE } from './batch.ts';
import type { BatchRecord } from './batch-entity.ts';
import { IdentifierSet } from './identifier-set.ts';
import type { TrackingFiles } from './ports.ts';
import { isInFlight } from './statuses.ts';

/**
 * In-flight records (in progress, extracting) across a run: which of them a later record of
 * the same identifier settled. "Later" is the producer's order (`batchOrderKey`), rows by
 * their position in the batch: batches sent in parallel arrive in any order, so when they
 * reached SyncTrail says nothing. A batch counts the ones it
 * settles itself; the ones a later batch settles are found here, by one pass over the
 * identifier and status columns of the run's files, newest row first.
 */
export interface Supersession {
  /** `batchOrderKey#row` of every superseded row. */
  rows: Set<string>;
  total: number;
  /** Superseded rows per entity type (`(none)` for records of no type). */
  byEntityType: Record<string, number>;
}

/**
 * A batch's place in its run, as a string that sorts in the producer's order: when the
 * producer started the batch (`startedAt`, as UTC; SyncTrail's first claim for a batch that
 * has none), then its number (zero-padded, so 10 comes after 9), then its type.
 */
export const batchOrderKey = (batch: Pick<BatchRecord, 'startedAt' | 'createdAt' | 'batchNumber' | 'batchType'>) =>
  `${utc(batch.startedAt ?? batch.createdAt)}#${String(batch.batchNumber).padStart(10, '0')}#${batch.batchType}`;

const utc = (iso: string) => {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString();
};

export const rowKey = (order: string, row: number) => `${order}#${row}`;

/** A run's counted batches that have files, in the producer's order (oldest first). */
export function filedBatches(batches: BatchRecord[]): Array<BatchRecord & { fileKey: string }> {
  return batches
    .filter((b): b is BatchRecord & { fileKey: string } => b.state === 'done' && Boolean(b.fileKey))
    .sort((a, b) => (batchOrderKey(a) < batchOrderKey(b) ? -1 : 1));
}

/** Whether the run's batches hold in-flight records at all: otherwise there is nothing to read. */
export const hasInFlight = (batches: BatchRecord[]) => batches.some((b) => b.state === 'done' && (b.counts.inFlight ?? 0) > 0);

/**
 * Reads only what can matter: batches older than the oldest one holding in-flight records can
 * neither be superseded nor supersede (their rows come first), and a batch with no in-flight
 * record only needs its identifiers. A run whose in-flight records sit in its last batches reads
 * those batches alone, however large the run.
 */
export async function findSuperseded(files: Pick<TrackingFiles, 'readColumns'>, batches: BatchRecord[]): Promise<Supersession> {
  const result: Supersession = { rows: new Set(), total: 0, byEntityType: {} };
  const filed = filedBatches(batches);
  const oldest = filed.findIndex((batch) => (batch.counts.inFlight ?? 0) > 0);
  if (oldest < 0) return result;
  const later = new IdentifierSet();
  for (const batch of filed.slice(oldest).reverse()) {
    if (!((batch.counts.inFlight ?? 0) > 0)) {
      for (const row of await files.readColumns(batch.fileKey, ['identifier'])) if (row.identifier !== null) later.add(row.identifier);
      continue;
    }
    const order = batchOrderKey(batch);
    const rows = await files.readColumns(batch.fileKey, ['identifier', 'status', 'entity_type']);
    for (let i = rows.length - 1; i >= 0; i -= 1) {
      const row = rows[i]!;
      if (row.identifier === null) continue;
      const first = later.add(row.identifier);
      if (first || !isInFlight(row.status)) continue;
      result.rows.add(rowKey(order, i));
      result.total += 1;
      const type = row.entity_type ?? NO_ENTITY_TYPE;
      result.byEntityType[type] = (result.byEntityType[type] ?? 0) + 1;
    }
  }
  return result;
}
