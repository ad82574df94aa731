import { describe, expect, it } from 'vitest';
import { runsOf, theLastRuns } from '#domain/run-count.ts';

describe('a number of runs in words', () => {
  it('says "run" for one and "runs" for any other number', () => {
    expect([0, 1, 2, 3].map((n) => runsOf(n))).toEqual(['0 runs', '1 run', '2 runs', '3 runs']);
    expect(runsOf(1, 'finished')).toBe('1 finished run');
  });

  it('says "the last run", never "the last 1 runs"', () => {
    expect(theLastRuns(1)).toBe('the last run');
    expect(theLastRuns(1, 'finished')).toBe('the last finished run');
    expect(theLastRuns(2, 'finished')).toBe('the last 2 finished runs');
  });
});
