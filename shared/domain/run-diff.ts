/** `GET /v1/runs/{runId}/diff` and `/diff/records`: who joined, left and changed between two runs of a sync. */
import * as z from 'zod';
import { requireOrgKey } from './authz.ts';
import { DomainError, conflict, invalid } from './errors.ts';
import { idSchema } from './ids.ts';
import type { Principal } from './keys.ts';
import { loadLiveRun } from './live-run.ts';
import type { Deps, RunDigestReader } from './ports.ts';
import { cursorSchema } from './query-params.ts';
import { decodePosition, encodePosition } from './records.ts';
import { DIFF_KINDS, diffCounts, diffPage, hasDigest, recordsExpired, runDigestKey } from './run-digest.ts';
import type { Run } from './run-entity.ts';

/** A page of identifiers is at most this long (default 100). */
export const MAX_DIFF_PAGE = 1000;

/** The default `against` is looked for among this many of the sync's earlier runs, newest first. */
export const PREVIOUS_RUN_SCAN = 1000;

/** A digest not there yet: ask again after this many seconds. */
export const DIFF_RETRY_SECONDS = 10;

export const diffQuerySchema = z.strictObject({ against: idSchema.optional() });
export type DiffQuery = z.infer<typeof diffQuerySchema>;

export const diffRecordsQuerySchema = z.strictObject({
  against: idSchema.optional(),
  kind: z.enum(DIFF_KINDS),
  limit: z.coerce.number().int().min(1).max(MAX_DIFF_PAGE).default(100),
  cursor: cursorSchema,
});
export type DiffRecordsQuery = z.infer<typeof diffRecordsQuerySchema>;

/** Why a run has no membership to compare, or undefined when it has one. */
function notDiffable(run: Run, now: Date): DomainError | undefined {
  const why = run.status === 'running' ? 'is still running' : run.dryRun ? 'is a dry run (no records kept)' : run.status === 'error' ? 'ended in error (nothing delivered)' : undefined;
  if (why) return conflict(`run ${run.runId} ${why}: nothing to diff`, { status: run.status, dryRun: run.dryRun });
  if (recordsExpired(run, now)) return new DomainError('gone', `run ${run.runId}'s records expired`, { recordsExpireAt: run.recordsExpireAt });
  return undefined;
}

/** The two runs of a diff: the run, and `against` (given, or the sync's previous diffable run; null when it has none). */
async function runsOfDiff(deps: Deps, orgId: string, runId: string, against: string | undefined): Promise<{ run: Run; previous: Run | null }> {
  const now = deps.clock.now();
  const run = await loadLiveRun(deps, orgId, runId);
  const refused = notDiffable(run, now);
  if (refused) throw refused;
  if (against === undefined) return { run, previous: await previousDiffableRun(deps, run, now) };
  const previous = await loadLiveRun(deps, orgId, against);
  if (previous.syncId !== run.syncId) throw invalid(`against must be a run of sync ${run.syncId}`, { against });
  const refusedToo = notDiffable(previous, now);
  if (refusedToo) throw refusedToo;
  return { run, previous };
}

/** The newest run of the same sync started before this one that finished, delivered (not an error) and is not a dry run. */
async function previousDiffableRun(deps: Deps, run: Run, now: Date): Promise<Run | null> {
  let cursor: string | undefined = deps.runs.cursorAfter(run);
  for (let scanned = 0; cursor && scanned < PREVIOUS_RUN_SCAN; ) {
    const page = await deps.runs.list(run.orgId, { syncId: run.syncId, limit: 100, cursor }, Math.floor(now.getTime() / 1000));
    scanned += page.items.length;
    const found = page.items.find((candidate) => hasDigest(candidate) && !recordsExpired(candidate, now));
    if (found) return found;
    cursor = page.nextCursor ?? undefined;
  }
  return null;
}

/** A digest is built within seconds of completion; past this, a missing one is not coming by itself. */
export const DIGEST_DUE_MS = 10 * 60_000;

/**
 * A run's digest, opened; `diff_not_ready` when there is none: soon after completion, to retry
 * (`retryAfterSeconds`); later (a run completed before run diffs, or a build that failed), to
 * build by completing the run again with the same body (`rebuild`), or to compare another run.
 */
async function openDigest(deps: Deps, run: Run): Promise<RunDigestReader> {
  const digest = await deps.files.openRunDigest(runDigestKey(run.orgId, run.syncId, run.runId));
  if (digest) return digest;
  const due = run.executionDate && deps.clock.now().getTime() - Date.parse(run.executionDate) > DIGEST_DUE_MS;
  if (due) {
    throw new DomainError(
      'diff_not_ready',
      `run ${run.runId} has no digest (it completed before run diffs, or its digest could not be built): complete it again with the same body to build one (POST /v1/runs/${run.runId}/complete), or compare another run with ?against=`,
      { runId: run.runId, rebuild: true },
    );
  }
  throw new DomainError('diff_not_ready', `run ${run.runId}'s digest is being built: retry in ${DIFF_RETRY_SECONDS} s`, { runId: run.runId, retryAfterSeconds: DIFF_RETRY_SECONDS });
}

async function digestsOf(deps: Deps, run: Run, previous: Run | null) {
  const [current, before] = await Promise.all([openDigest(deps, run), previous ? openDigest(deps, previous) : Promise.resolve(undefined)]);
  return { current, before };
}

/** `GET /v1/runs/{runId}/diff`: counts by identifier against `against` (default: the previous run). */
export async function getRunDiff(deps: Deps, principal: Principal, runId: string, query: DiffQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const { run, previous } = await runsOfDiff(deps, orgId, runId, query.against);
  const { current, before } = await digestsOf(deps, run, previous);
  const counts = await diffCounts(current, before);
  return { runId, against: previous?.runId ?? null, added: counts.added, removed: counts.removed, changed: counts.changed, unchanged: counts.unchanged };
}

/** What a page's cursor holds: the runs and kind it was issued for, and the last identifier returned. */
const diffCursorSchema = z.strictObject({ a: z.string().nullable(), k: z.enum(DIFF_KINDS), i: z.string() });


/** `GET /v1/runs/{runId}/diff/records`: the identifiers of one kind, in identifier order, a page at a time. */
export async function listRunDiffRecords(deps: Deps, principal: Principal, runId: string, query: DiffRecordsQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const position = query.cursor ? decodePosition(query.cursor, diffCursorSchema) : undefined;
  // A cursor is for the kind and the run against which it was issued.
  if (position && (position.k !== query.kind || (query.against !== undefined && position.a !== query.against))) throw invalid('cursor is for another kind or against', { cursor: query.cursor });
  // A cursor keeps the run it was issued against: later pages compare the same two runs.
  const against = position ? (position.a ?? undefined) : query.against;
  const { run, previous } = await runsOfDiff(deps, orgId, runId, against);
  if (position && (previous?.runId ?? null) !== position.a) throw invalid('cursor is not one this API issued', { cursor: query.cursor });
  const { current, before } = await digestsOf(deps, run, previous);
  const page = await diffPage(current, before, query.kind, query.limit, position?.i);
  const last = page.identifiers.at(-1);
  return {
    items: page.identifiers.map((identifier) => ({ identifier })),
    nextCursor: page.more && last !== undefined ? encodePosition({ a: previous?.runId ?? null, k: query.kind, i: last }) : null,
  };
}
