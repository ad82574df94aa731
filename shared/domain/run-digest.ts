import type { RunDigestReader } from './ports.ts';
import type { Run } from './run-entity.ts';

/**
 * A run's digest: who the run delivered, one row per identifier, kept as
 * `run-digest/ORG/SYNC/RUN.parquet` (a top-level prefix of its own, like `identifier-index/`, so no
 * `sync_tracking_datasets/**` glob, Athena table or manifest reads it). Two columns,
 * `identifier STRING` and `payload_hash INT64`, sorted by identifier in UTF-8 byte order (the
 * order parquet's min/max statistics use), in row groups of `RUN_DIGEST_ROW_GROUP_ROWS` with
 * whole (untruncated) min/max statistics on `identifier`. Two digests are diffed by one merge,
 * a row group of each at a time (run-diff.ts).
 *
 * Membership — who the destination got: an identifier is in the run's digest when at least one of
 * its rows in the run succeeded or partially succeeded (`succeeded`, `partial_success`,
 * `partially_failed`). Rows that failed (rejected, extraction failed, NULL, DUPLICATE) or were
 * still in flight add nobody. Its payload is the one of its latest such row in the producer's
 * order (batches by start, number, type; rows by row number: the order the Sync Logs use), as
 * stored (`record_payload`); `payload_hash` is the first 8 bytes of its md5, big-endian, shifted
 * right by one (as `identifier_hash` of the identifier index).
 *
 * Built once per finished, non-dry, non-error run, after completion, by the upload converter
 * (asked through the conversion queue; run-digest-builder.ts); deterministic, so a retried build
 * writes the same bytes. This module is what readers need (the query API's bundle).
 */
export const RUN_DIGEST_PREFIX = 'run-digest/';

/** Rows per row group of a digest: a merge holds one of each side (~10,000 identifiers) at a time. */
export const RUN_DIGEST_ROW_GROUP_ROWS = 10_000;

/** The digest's column names, in file order. */
export const RUN_DIGEST_COLUMNS = ['identifier', 'payload_hash'] as const;

export const runDigestKey = (orgId: string, syncId: string, runId: string) => `${RUN_DIGEST_PREFIX}${orgId}/${syncId}/${runId}.parquet`;

/**
 * Identifiers compared in UTF-8 byte order (= code point order), which is what parquet's
 * statistics and DuckDB use. JavaScript's `<` compares UTF-16 code units: it differs only between
 * a surrogate (U+D800–DFFF, half of a character above U+FFFF) and U+E000–FFFF.
 */
export function compareIdentifiers(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Whether a run has (or will have) a digest: finished, not a dry run, not an error. */
export const hasDigest = (run: Pick<Run, 'status' | 'dryRun'>) => !run.dryRun && (run.status === 'complete' || run.status === 'partial_complete');

/** The run's row-level records are past their retention (its files, and so its digest, are gone). */
export const recordsExpired = (run: Pick<Run, 'recordsExpireAt'>, now: Date) => Date.parse(run.recordsExpireAt) <= now.getTime();

/** One side of a merge: a digest read a row group at a time (an absent digest is an empty one). */
export class DigestCursor {
  private identifiers: string[] = [];
  private hashes: bigint[] = [];
  private at = 0;
  private group = -1;
  done = false;

  private constructor(
    private readonly reader: RunDigestReader | undefined,
    private readonly after: string | undefined,
  ) {}

  /** A cursor on the first entry after `after` (all entries when absent). */
  static async open(reader: RunDigestReader | undefined, after?: string): Promise<DigestCursor> {
    const cursor = new DigestCursor(reader, after);
    if (reader && after !== undefined) {
      // Row groups wholly at or before `after` are skipped by their statistics, unread.
      while (cursor.group + 1 < reader.rowGroups.length) {
        const max = reader.rowGroups[cursor.group + 1]!.maxIdentifier;
        if (max === undefined || compareIdentifiers(max, after) > 0) break;
        cursor.group += 1;
      }
    }
    await cursor.load();
    return cursor;
  }

  get identifier(): string {
    return this.identifiers[this.at]!;
  }

  get hash(): bigint {
    return this.hashes[this.at]!;
  }

  /** Moves to the next entry; a promise only when a row group has to be read. */
  next(): Promise<void> | undefined {
    this.at += 1;
    return this.at < this.identifiers.length ? undefined : this.load();
  }

  /** Reads row groups until one has an entry after `after`, or none is left. */
  private async load(): Promise<void> {
    for (;;) {
      this.group += 1;
      if (!this.reader || this.group >= this.reader.rowGroups.length) {
        this.identifiers = [];
        this.hashes = [];
        this.at = 0;
        this.done = true;
        return;
      }
      const entries = await this.reader.readRowGroup(this.group);
      this.identifiers = entries.identifiers;
      this.hashes = entries.hashes;
      this.at = 0;
      if (this.after !== undefined) while (this.at < this.identifiers.length && compareIdentifiers(this.identifiers[this.at]!, this.after) <= 0) this.at += 1;
      if (this.at < this.identifiers.length) return;
    }
  }
}

export type DiffKind = 'added' | 'removed' | 'changed' | 'unchanged';
export const DIFF_KINDS = ['added', 'removed', 'changed'] as const;

/**
 * Merges two digests (the run's, and the one it is compared against), calling `visit` with each
 * identifier after `after` and what it is: only in the run (added), only in the other (removed),
 * in both with another payload (changed) or the same (unchanged). `visit` answers false to stop.
 */
export async function mergeDigests(
  current: RunDigestReader | undefined,
  previous: RunDigestReader | undefined,
  visit: (kind: DiffKind, identifier: string) => boolean,
  after?: string,
): Promise<void> {
  const a = await DigestCursor.open(current, after);
  const b = await DigestCursor.open(previous, after);
  // `next()` is awaited only when it reads a row group: a million entries are not a million microtasks.
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : compareIdentifiers(a.identifier, b.identifier);
    if (order < 0) {
      if (!visit('added', a.identifier)) return;
      const moved = a.next();
      if (moved) await moved;
    } else if (order > 0) {
      if (!visit('removed', b.identifier)) return;
      const moved = b.next();
      if (moved) await moved;
    } else {
      if (!visit(a.hash === b.hash ? 'unchanged' : 'changed', a.identifier)) return;
      const moved = a.next();
      if (moved) await moved;
      const movedToo = b.next();
      if (movedToo) await movedToo;
    }
  }
}

/** Counts of each kind. */
export async function diffCounts(current: RunDigestReader | undefined, previous: RunDigestReader | undefined): Promise<Record<DiffKind, number>> {
  const counts: Record<DiffKind, number> = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  await mergeDigests(current, previous, (kind) => {
    counts[kind] += 1;
    return true;
  });
  return counts;
}

/** Up to `limit` identifiers of one kind after `after`, and whether there are more. */
export async function diffPage(
  current: RunDigestReader | undefined,
  previous: RunDigestReader | undefined,
  kind: (typeof DIFF_KINDS)[number],
  limit: number,
  after?: string,
): Promise<{ identifiers: string[]; more: boolean }> {
  const identifiers: string[] = [];
  let more = false;
  await mergeDigests(
    current,
    previous,
    (found, identifier) => {
      if (found !== kind) return true;
      if (identifiers.length === limit) {
        more = true;
        return false;
      }
      identifiers.push(identifier);
      return true;
    },
    after,
  );
  return { identifiers, more };
}
