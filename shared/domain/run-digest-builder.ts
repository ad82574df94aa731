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

/**
 * Collects a run's members while its rows go by in the producer's order (later rows replace
 * earlier ones' payload), then answers them sorted. Hashes are kept as two 32-bit halves.
 */
export class RunDigestCollector {
  private readonly members = new Map<string, number>();
  private hi: number[] = [];
  private lo: number[] = [];

  get size(): number {
    return this.members.size;
  }

  add(row: { identifier: string | null; status: string; record_payload: string }): void {
    if (row.identifier === null || row.identifier === undefined || !delivered(row.status)) return;
    const { hi, lo } = identifierHashParts(row.record_payload);
    const at = this.members.get(row.identifier);
    if (at === undefined) {
      this.members.set(row.identifier, this.hi.length);
      this.hi.push(hi);
      this.lo.push(lo);
    } else {
      this.hi[at] = hi;
      this.lo[at] = lo;
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
  for (const batch of filedBatches(await deps.runs.listBatches(ids.orgId, ids.runId))) {
    const rows = await deps.files.readColumns(batch.fileKey, ['identifier', 'status', 'record_payload', 'row_number']);
    rows.sort((a, b) => a.row_number - b.row_number);
    for (const row of rows) collector.add(row);
  }
  const { identifiers, hashes } = collector.sorted();
  await deps.files.writeRunDigest(digestKey, identifiers, hashes);
  return 'built';
}

