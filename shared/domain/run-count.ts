/**
 * A number of runs in words, for text that names how many runs it looked at ("the last run",
 * "the last 2 finished runs"): one run is never "the last 1 runs". No imports, so the console
 * reads runs the same way the API does.
 */
export const runsOf = (n: number, kind?: string) => `${n} ${kind ? `${kind} ` : ''}${n === 1 ? 'run' : 'runs'}`;

export const theLastRuns = (n: number, kind?: string) => (n === 1 ? `the last ${kind ? `${kind} ` : ''}run` : `the last ${runsOf(n, kind)}`);
