/** Run outcomes per day, for the chart: plain functions, tested on their own. */

export interface ChartRun {
  runId: string;
  status: string;
  startedAt: string;
  coverageRate: number | null;
  dryRun: boolean;
}

export interface DayOutcome {
  day: string;
  complete: number;
  partial: number;
  error: number;
  running: number;
  /** Mean coverage of the day's finished runs. */
  coverage: number | null;
}

const DAY_MS = 86_400_000;

/** Runs per UTC day of their start, for the `days` days up to `until`; dry runs left out. */
export function outcomesByDay(runs: ChartRun[], days: number, until: Date): DayOutcome[] {
  const last = Date.UTC(until.getUTCFullYear(), until.getUTCMonth(), until.getUTCDate());
  const buckets: Array<DayOutcome & { coverageSum: number; coverageRuns: number }> = [];
  for (let i = days - 1; i >= 0; i -= 1) {
    buckets.push({ day: new Date(last - i * DAY_MS).toISOString().slice(0, 10), complete: 0, partial: 0, error: 0, running: 0, coverage: null, coverageSum: 0, coverageRuns: 0 });
  }
  const first = last - (days - 1) * DAY_MS;
  for (const run of runs) {
    if (run.dryRun) continue;
    const started = Date.parse(run.startedAt);
    const index = Math.floor((started - first) / DAY_MS);
    const bucket = buckets[index];
    if (!bucket || started < first) continue;
    if (run.status === 'complete') bucket.complete += 1;
    else if (run.status === 'partial_complete') bucket.partial += 1;
    else if (run.status === 'error') bucket.error += 1;
    else bucket.running += 1;
    if (run.status !== 'running' && run.coverageRate !== null) {
      bucket.coverageSum += run.coverageRate;
      bucket.coverageRuns += 1;
    }
  }
  return buckets.map(({ coverageSum, coverageRuns, ...bucket }) => ({ ...bucket, coverage: coverageRuns ? coverageSum / coverageRuns : null }));
}
