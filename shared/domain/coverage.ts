import { requireOrgKey } from './authz.ts';
import { notFound } from './errors.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
import { runQuerySchema } from './run-schemas.ts';
import { type Run } from './run-entity.ts';
import type { Sync } from './sync-entity.ts';

export const DEFAULT_COVERAGE_THRESHOLD = 0.9;
export const DEFAULT_COVERAGE_WINDOW = 3;
/** Runs shown beside the verdict, for a trend. */
const RUNS_SHOWN = 10;

export interface CoveragePoint {
  runId: string;
  status: Run['status'];
  coverageRate: number;
  executionDate: string;
  belowThreshold: boolean;
}

/**
 * Sync Tracking: "a consistently low ratio may indicate a data quality issue worth investigating".
 * Low means each of the last `window` finished runs with records was below the threshold;
 * fewer runs than the window is not yet "consistently". `runsConsidered` is how many runs the
 * verdict and the average looked at (up to `window`), so text names that many, not the window.
 */
export function coverageVerdict(points: CoveragePoint[], window: number) {
  const recent = points.slice(0, window);
  const average = recent.length ? recent.reduce((sum, p) => sum + p.coverageRate, 0) / recent.length : null;
  return { lowCoverage: recent.length === window && recent.every((p) => p.belowThreshold), averageCoverage: average, runsConsidered: recent.length };
}

/** `GET /v1/syncs/{syncId}/coverage`: the coverage trend and whether it stays low. */
export async function getCoverage(deps: Deps, principal: Principal, syncId: string) {
  const orgId = requireOrgKey(principal, 'read');
  const sync = await deps.syncs.get(orgId, syncId);
  if (!sync) throw notFound(`sync ${syncId}`);
  return coverageOf(deps, sync);
}

/** The sync's last `count` finished, non-dry runs with a coverage rate, newest first. */
export async function recentCoverage(deps: Pick<Deps, 'runs' | 'clock'>, sync: Sync, count: number): Promise<Array<Pick<Run, 'runId' | 'status' | 'executionDate'> & { coverageRate: number }>> {
  const runs: Array<Pick<Run, 'runId' | 'status' | 'executionDate'> & { coverageRate: number }> = [];
  let cursor: string | undefined;
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  do {
    const page = await deps.runs.list(sync.orgId, runQuerySchema.parse({ syncId: sync.syncId, limit: 100, ...(cursor ? { cursor } : {}) }), now);
    for (const run of page.items) {
      if (run.dryRun || run.status === 'running' || run.coverageRate === null || run.coverageRate === undefined) continue;
      runs.push({ runId: run.runId, status: run.status, executionDate: run.executionDate, coverageRate: run.coverageRate });
      if (runs.length >= count) return runs;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return runs;
}

export async function coverageOf(deps: Deps, sync: Sync) {
  const threshold = sync.coverageThreshold ?? DEFAULT_COVERAGE_THRESHOLD;
  const window = sync.coverageWindow ?? DEFAULT_COVERAGE_WINDOW;
  const points: CoveragePoint[] = (await recentCoverage(deps, sync, Math.max(window, RUNS_SHOWN))).map((run) => ({
    runId: run.runId,
    status: run.status,
    coverageRate: run.coverageRate,
    executionDate: run.executionDate!,
    belowThreshold: run.coverageRate < threshold,
  }));
  return { syncId: sync.syncId, threshold, window, ...coverageVerdict(points, window), runs: points };
}
