/** The coverage health sentence of a sync's page: a plain function, tested on its own. */
import { runsOf, theLastRuns } from '../../shared/domain/run-count.ts';
import { percent } from './format.ts';
import type { Coverage } from './types.ts';

/** Names the runs the verdict looked at (`runsConsidered`), never the window when there are fewer. */
export function coverageHealth(coverage: Pick<Coverage, 'lowCoverage' | 'averageCoverage' | 'runsConsidered' | 'window'>, threshold: number): string {
  const n = coverage.runsConsidered;
  if (coverage.averageCoverage === null || n === 0) return 'No finished runs yet.';
  if (coverage.lowCoverage) {
    const which = n === 1 ? 'the last finished run' : `each of ${theLastRuns(n, 'finished')}`;
    return `Coverage has been below ${percent(threshold, 0)} for ${which} (${n === 1 ? '' : 'average '}${percent(coverage.averageCoverage)}). A consistently low ratio usually means a data quality problem: look at why records failed in the latest run.`;
  }
  const seen = `${n === 1 ? 'Coverage' : 'Average coverage'} of ${theLastRuns(n, 'finished')}: ${percent(coverage.averageCoverage)} (threshold ${percent(threshold, 0)}).`;
  return n < coverage.window ? `${seen} Low coverage is judged over ${runsOf(coverage.window, 'finished')} in a row.` : seen;
}
