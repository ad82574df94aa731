import { NO_ENTITY_TYPE } from './batch.ts';
import type { BatchRecord } from './batch-entity.ts';
import { IdentifierSet } from './identifier-set.ts';
import type { TrackingFiles } from './ports.ts';
import type { TrackingRow } from './tracking-row.ts';
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
  /** Every superseded row, by its batch's `batchOrderKey` and its row in the batch. */
  rows: SupersededRows;
  total: number;
  /** Superseded rows per entity type (`(none)` for records of no type). */
  byEntityType: Record<string, number>;
}

/**
 * Superseded rows as one bit per row of each batch that has any: a 10,000-row batch takes
 * 1,250 bytes however many of its rows were superseded, 1M superseded rows at most 125 KB.
 * (A `Set` of `batchOrderKey#row` strings kept ~100 bytes per row: ~100 MB for 1M;
 * `node --expose-gc --import tsx bench/supersession.ts` measures it.)
 */
export class SupersededRows {
  private readonly batches = new Map<string, Uint8Array>();

  /** Whether row `row` of the batch whose `batchOrderKey` is `batch` was superseded. */
  has(batch: string, row: number): boolean {
    const bits = this.batches.get(batch);
    return bits !== undefined && hasRow(bits, row);
  }

  /** Keeps a batch's superseded rows, one bit per row (from `SupersessionPass.judge`). */
  set(batch: string, bits: Uint8Array): void {
    this.batches.set(batch, bits);
  }

  /** Bytes the bits take (what the answer keeps per batch). */
  get bytes(): number {
    let bytes = 0;
    for (const bits of this.batches.values()) bytes += bits.byteLength;
    return bytes;
  }
}

/** One bit per row of a batch of `rowCount` rows, none set. */
export const rowBits = (rowCount: number) => new Uint8Array((rowCount + 7) >>> 3);
export const hasRow = (bits: Uint8Array, row: number) => ((bits[row >>> 3] ?? 0) & (1 << (row & 7))) !== 0;
const markRow = (bits: Uint8Array, row: number) => {
  bits[row >>> 3] = (bits[row >>> 3] ?? 0) | (1 << (row & 7));
};

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

/** A run's counted batches that have files, in the producer's order (oldest first). */
export function filedBatches(batches: BatchRecord[]): Array<BatchRecord & { fileKey: string }> {
  return batches
    .filter((b): b is BatchRecord & { fileKey: string } => b.state === 'done' && Boolean(b.fileKey))
    .sort((a, b) => (batchOrderKey(a) < batchOrderKey(b) ? -1 : 1));
}

/** Whether the run's batches hold in-flight records at all: otherwise there is nothing to read. */
export const hasInFlight = (batches: BatchRecord[]) => batches.some((b) => b.state === 'done' && inFlightIn(b));

const inFlightIn = (batch: Pick<BatchRecord, 'counts'>) => (batch.counts.inFlight ?? 0) > 0;

/**
 * The one pass that finds superseded rows, fed a run's batches newest first: each batch is
 * judged from the identifiers of the batches fed before it (the later ones) and from its own
 * later rows. `findSuperseded` reads the files for it; Sync Logs' walks (`walkRun`, `scanRun`)
 * read a run newest first anyway and feed it each batch as they read it, so a page or a count
 * reads the run once.
 *
 * Feed it every counted batch with a file, newest first, down to `oldest`: `judge` for a batch
 * whose rows are asked about, `remember` for one whose rows are not (a page that resumes below
 * it). Batches older than `oldest` need not be fed: they can neither be superseded nor
 * supersede (their rows come first).
 */
export class SupersessionPass {
  /** The `batchOrderKey` of the oldest batch holding in-flight records; none: nothing to supersede. */
  readonly oldest: string | undefined;
  total = 0;
  readonly byEntityType: Record<string, number> = {};
  private later: IdentifierSet | undefined;

  constructor(batches: BatchRecord[]) {
    const oldest = filedBatches(batches).find(inFlightIn);
    this.oldest = oldest ? batchOrderKey(oldest) : undefined;
  }

  /** Whether a row of the batch at `order` can have been superseded (it is at or after `oldest`). */
  reaches(order: string): boolean {
    return this.oldest !== undefined && order >= this.oldest;
  }

  /** A later batch's identifiers: they settle older in-flight records; its own rows are not judged. */
  remember(order: string, rows: Array<Pick<TrackingRow, 'identifier'>>): void {
    if (!this.reaches(order)) return;
    const later = (this.later ??= new IdentifierSet());
    for (const row of rows) if (row.identifier !== null) later.add(row.identifier);
  }

  /** The next batch down: its superseded rows, one bit per row (`hasRow`), or undefined when none. */
  judge(order: string, rows: Array<Pick<TrackingRow, 'identifier' | 'status' | 'entity_type'>>): Uint8Array | undefined {
    if (!this.reaches(order)) return undefined;
    const later = (this.later ??= new IdentifierSet());
    let bits: Uint8Array | undefined;
    for (let i = rows.length - 1; i >= 0; i -= 1) {
      const row = rows[i]!;
      if (row.identifier === null) continue;
      const first = later.add(row.identifier);
      if (first || !isInFlight(row.status)) continue;
      bits ??= rowBits(rows.length);
      markRow(bits, i);
      this.total += 1;
      const type = row.entity_type ?? NO_ENTITY_TYPE;
      this.byEntityType[type] = (this.byEntityType[type] ?? 0) + 1;
    }
    // Nothing older can be superseded: the identifiers are no longer needed.
    if (order === this.oldest) this.later = undefined;
    return bits;
  }
}

/**
 * Reads only what can matter: batches older than the oldest one holding in-flight records can
 * neither be superseded nor supersede (their rows come first), and a batch with no in-flight
 * record only needs its identifiers. A run whose in-flight records sit in its last batches reads
 * those batches alone, however large the run.
 */
export async function findSuperseded(files: Pick<TrackingFiles, 'readColumns'>, batches: BatchRecord[]): Promise<Supersession> {
  const pass = new SupersessionPass(batches);
  const rows = new SupersededRows();
  for (const batch of filedBatches(batches).reverse()) {
    const order = batchOrderKey(batch);
    if (!pass.reaches(order)) break;
    if (!inFlightIn(batch)) {
      pass.remember(order, await files.readColumns(batch.fileKey, ['identifier']));
      continue;
    }
    const bits = pass.judge(order, await files.readColumns(batch.fileKey, ['identifier', 'status', 'entity_type']));
    if (bits) rows.set(order, bits);
  }
  return { rows, total: pass.total, byEntityType: pass.byEntityType };
}
