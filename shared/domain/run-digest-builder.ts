/** Building a run's digest (run-digest.ts) from its batch files: the upload converter's job, not the query API's. */
import { identifierHashParts } from './identifier-index.ts';
import { filedBatches } from './in-flight.ts';
import type { Deps } from './ports.ts';
import { isExpired } from './run-entity.ts';
import { compareIdentifiers, hasDigest, recordsExpired } from './run-digest.ts';
import { outcomeOf, type RecordStatus } from './statuses.ts';

const DIGEST_KEY = /^run-digest\/([^/]+)\/([^/]+)\/([^/]+)\.parquet$/;

/** `run-digest/ORG/SYNC/RUN.parquet` → its ids; undefined for any other key. */
export function parseRunDigestKey(key: string): { orgId: string; syncId: string; runId: string } | undefined {
  const match = DIGEST_KEY.exec(key);
  return match ? { orgId: match[1]!, syncId: match[2]!, runId: match[3]! } : undefined;
}

/** A member row delivered something: it succeeded, or partially. */
const delivered = (status: string) => {
  const outcome = outcomeOf(status as RecordStatus);
  return outcome === 'success' || outcome === 'partial';
};

/** Row numbers of one batch file stay below this; a later file's rows rank above all of an earlier one's. */
const FILE_RANK = 2 ** 32;

/**
 * Collects a run's members from its rows, in any order within a file (a file is read a row
 * group at a time, and a native batch file is sorted by identifier, not by row): each member
 * keeps the payload of its latest row in the producer's order, ranked by `rank` (the file's
 * place in the run, then the row number). Hashes are kept as two 32-bit halves.
 */
export class RunDigestCollector {
  private readonly members = new Map<string, number>();
  private hi: number[] = [];
  private lo: number[] = [];
  private rank: number[] = [];

  get size(): number {
    return this.members.size;
  }

  /** Above every rank added so far: the default rank, a row after all the others. */
  private next = 0;

  /** `rank`: the row's place in the run (default: after every row added so far). */
  add(row: { identifier: string | null; status: string; record_payload: string }, rank = this.next): void {
    this.next = Math.max(this.next, rank + 1);
    if (row.identifier === null || row.identifier === undefined || !delivered(row.status)) return;
    const at = this.members.get(row.identifier);
    if (at !== undefined && this.rank[at]! > rank) return;
    const { hi, lo } = identifierHashParts(row.record_payload);
    if (at === undefined) {
      this.members.set(row.identifier, this.hi.length);
      this.hi.push(hi);
      this.lo.push(lo);
      this.rank.push(rank);
    } else {
      this.hi[at] = hi;
      this.lo[at] = lo;
      this.rank[at] = rank;
    }
  }

  /** The members sorted by identifier (UTF-8 byte order), with their payload hashes. */
  sorted(): { identifiers: string[]; hashes: BigInt64Array } {
    const identifiers = [...this.members.keys()].sort(compareIdentifiers);
    const hashes = new BigInt64Array(identifiers.length);
    identifiers.forEach((identifier, i) => {
      const at = this.members.get(identifier)!;
      hashes[i] = (BigInt(this.hi[at]!) << 32n) | BigInt(this.lo[at]!);
    });
    return { identifiers, hashes };
  }
}

export type DigestBuildOutcome = 'built' | 'exists' | 'stale';

/**
 * Builds a finished run's digest from its batch files, unless it is there already. `stale`: there
 * is nothing to build (no such run, still running, a dry or error run, or past its records'
 * retention). Safe to run again and concurrently: same files, same bytes.
 */
export async function buildRunDigest(deps: Pick<Deps, 'runs' | 'files' | 'clock'>, digestKey: string): Promise<DigestBuildOutcome> {
  const ids = parseRunDigestKey(digestKey);
  if (!ids) return 'stale';
  const run = await deps.runs.get(ids.orgId, ids.runId);
  const now = deps.clock.now();
  if (!run || run.syncId !== ids.syncId || isExpired(run, now) || !hasDigest(run) || recordsExpired(run, now)) return 'stale';
  if (await deps.files.head(digestKey)) return 'exists';
  const collector = new RunDigestCollector();
  // A row group at a time: a batch file of 2M rows never sits in memory whole, only its members' hashes.
  let file = 0;
  for (const batch of filedBatches(await deps.runs.listBatches(ids.orgId, ids.runId))) {
    const base = (file += 1) * FILE_RANK;
    await deps.files.eachRowGroup(batch.fileKey, ['identifier', 'status', 'record_payload', 'row_number'], (rows) => {
      for (const row of rows) collector.add(row, base + row.row_number);
    });
  }
  const { identifiers, hashes } = collector.sorted();
  await deps.files.writeRunDigest(digestKey, identifiers, hashes);
  return 'built';
}

