import { describe, expect, it } from 'vitest';
import { beside, median, missedRunVerdict, slowRunVerdict, unaccountedVerdict, volumeBaseline, volumeVerdict } from '#domain/alerts.ts';
import { alertRuleSchema } from '#domain/alert-entity.ts';

/** Earlier runs, newest first, one a day back from 2026-11-29 (a Sunday). */
const daily = (totals: number[]) =>
  totals.map((itemsTotal, i) => ({ runId: `r${i}`, startedAt: new Date(Date.UTC(2026, 10, 28 - i, 6)).toISOString(), itemsTotal }));
const sunday = { startedAt: '2026-11-29T06:00:00.000Z' };
const rule = alertRuleSchema.parse({ type: 'volume_anomaly' }) as Extract<ReturnType<typeof alertRuleSchema.parse>, { type: 'volume_anomaly' }>;

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3])).toBe(3);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([0, 0, 100])).toBe(0);
  });
});

describe('volumeBaseline', () => {
  it('needs 3 earlier runs, and takes the last `runs` of them', () => {
    expect(volumeBaseline(sunday, daily([10, 20]), 7)).toBeUndefined();
    expect(volumeBaseline(sunday, daily([10, 20, 30]), 7)).toEqual({ value: 20, runIds: ['r0', 'r1', 'r2'] });
    expect(volumeBaseline(sunday, daily([10, 20, 30, 1000, 1000]), 3)).toEqual({ value: 20, runIds: ['r0', 'r1', 'r2'] });
  });

  it('draws on the same weekday (UTC) once 14 earlier runs are at hand and 3 of them fall on it', () => {
    // r6, r13, r20 are Sundays (7, 14 and 21 days back)
    const totals = Array.from({ length: 21 }, (_u, i) => ((i + 1) % 7 === 0 ? 10 : 100));
    expect(volumeBaseline(sunday, daily(totals), 7)).toEqual({ value: 10, runIds: ['r6', 'r13', 'r20'], weekday: 'Sunday' });
    // 13 runs: not yet weekday-aware
    expect(volumeBaseline(sunday, daily(totals.slice(0, 13)), 7)?.weekday).toBeUndefined();
    // 14 runs but only two Sundays: every day counts
    expect(volumeBaseline(sunday, daily(totals.slice(0, 14)), 7)).toMatchObject({ value: 100 });
    expect(volumeBaseline(sunday, daily(totals.slice(0, 14)), 7)?.weekday).toBeUndefined();
  });
});

describe('volumeVerdict', () => {
  const base = (value: number) => ({ value, runIds: ['a', 'b', 'c'] });
  const run = (itemsTotal: number, status: 'complete' | 'error' = 'complete') => ({ runId: 'r', status, itemsTotal });

  it('fires below drop × and above spike × the baseline, not at the bounds', () => {
    expect(volumeVerdict(rule, run(49), base(100))?.bad).toBe(true);
    expect(volumeVerdict(rule, run(50), base(100))?.bad).toBe(false);
    expect(volumeVerdict(rule, run(300), base(100))?.bad).toBe(false);
    expect(volumeVerdict(rule, run(301), base(100))).toEqual({ bad: true, detail: 'a spike: run r had 301 records (3.01×) against the median of the last 3 finished runs (100 records); limits 0.5× to 3×' });
  });

  it('always fires on 0 records against a positive baseline, even with drop 0; a baseline of 0 takes any record as a spike', () => {
    const lenient = { ...rule, drop: 0 };
    expect(volumeVerdict(lenient, run(0), base(1))?.bad).toBe(true);
    expect(volumeVerdict(lenient, run(1), base(1))?.bad).toBe(false);
    expect(volumeVerdict(rule, run(0), base(0))).toEqual({ bad: false, detail: 'run r had 0 records against the median of the last 3 finished runs (0 records); limits 0.5× to 3×' });
    expect(volumeVerdict(rule, run(1), base(0))?.bad).toBe(true);
  });

  it('says nothing of an error run or without a baseline', () => {
    expect(volumeVerdict(rule, run(0, 'error'), base(100))).toBeUndefined();
    expect(volumeVerdict(rule, run(0), undefined)).toBeUndefined();
  });
});

describe('missed, slow and unaccounted', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  it('missed_run counts from the last start, or from the sync\'s creation before any', () => {
    const missed = { type: 'missed_run' as const, everyHours: 24 };
    expect(missedRunVerdict(missed, { createdAt: '2026-11-01T00:00:00Z', currentRunKey: '2026-11-28T00:00:01Z#run-1', enabled: true }, now)).toEqual({ bad: false, detail: 'the last run started 36.0 h ago (2026-11-28T00:00:01Z); expected every 24 h, limit 36 h' });
    expect(missedRunVerdict(missed, { createdAt: '2026-11-01T00:00:00Z', currentRunKey: '2026-11-27T23:59:59Z#run-1', enabled: true }, now).bad).toBe(true);
    expect(missedRunVerdict(missed, { createdAt: '2026-11-01T00:00:00Z', currentRunKey: '2026-11-20T00:00:00Z#run-1', enabled: false }, now)).toEqual({ bad: false, detail: 'the sync is disabled: no run is expected (limit 36 h once enabled)' });
    expect(missedRunVerdict(missed, { createdAt: '2026-11-29T00:00:00Z', enabled: true }, now)).toEqual({ bad: false, detail: 'no run started since the sync was created 12.0 h ago (2026-11-29T00:00:00Z); expected every 24 h, limit 36 h' });
  });

  it('slow_run measures start to completion; unaccounted needs a source count and ignores over-reporting', () => {
    const slow = { type: 'slow_run' as const, aboveMinutes: 60 };
    expect(slowRunVerdict(slow, { runId: 'r', startedAt: '2026-11-29T10:00:00Z', executionDate: '2026-11-29T11:00:00Z' })?.bad).toBe(false);
    expect(slowRunVerdict(slow, { runId: 'r', startedAt: '2026-11-29T10:00:00Z', executionDate: '2026-11-29T11:00:01Z' })?.bad).toBe(true);
    expect(slowRunVerdict(slow, { runId: 'r', startedAt: '2026-11-29T10:00:00Z' })).toBeUndefined();
    const unaccounted = { type: 'unaccounted' as const, above: 10 };
    expect(unaccountedVerdict(unaccounted, { runId: 'r', itemsTotal: 5 })).toBeUndefined();
    expect(unaccountedVerdict(unaccounted, { runId: 'r', itemsTotal: 90, sourceCount: 100 })?.bad).toBe(false);
    expect(unaccountedVerdict(unaccounted, { runId: 'r', itemsTotal: 89, sourceCount: 100 })).toEqual({ bad: true, detail: 'run r: 100 extracted, 89 reported, 11 unaccounted (limit 10)' });
    expect(unaccountedVerdict({ ...unaccounted, above: 0 }, { runId: 'r', itemsTotal: 120, sourceCount: 100 })?.bad).toBe(false);
  });
});

describe('beside', () => {
  it('prints one decimal, or enough more that the number reads on the same side of the limit as it is', () => {
    expect(beside(90, 60)).toBe('90.0');
    expect(beside(60.04, 60)).toBe('60.04');
    expect(beside(0.0333, 0.01)).toBe('0.03');
    expect(beside(0.0001, 0.01)).toBe('0.0');
    expect(beside(59.96, 60)).toBe('60.0'); // not above, and does not read above
    expect(beside(60, 60)).toBe('60.0');
  });
});
