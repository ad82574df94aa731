import { describe, expect, it } from 'vitest';
import { finalOutcome, nextWatermark, summarizeFailures } from '#domain/run.ts';
import type { BatchCounts } from '#domain/batch-entity.ts';

const counts = (c: Partial<BatchCounts>): BatchCounts => ({ received: 0, succeeded: 0, partial: 0, failed: 0, null: 0, duplicate: 0, ...c });

describe('finalOutcome', () => {
  it('is complete when nothing failed', () => {
    expect(finalOutcome(counts({ received: 10, succeeded: 8, partial: 2 }), {})).toEqual({
      status: 'complete',
      itemsTotal: 10,
      itemsProcessed: 10,
      itemsFailed: 0,
      coverageRate: 1,
    });
  });

  it('is partial_complete when any record failed, NULL and DUPLICATE included', () => {
    expect(finalOutcome(counts({ received: 4, succeeded: 2, failed: 2, null: 1, duplicate: 1 }), {})).toEqual({
      status: 'partial_complete',
      itemsTotal: 4,
      itemsProcessed: 2,
      itemsFailed: 2,
      coverageRate: 0.5,
    });
  });

  it("counts records the producer had but never sent as failed", () => {
    const outcome = finalOutcome(counts({ received: 8, succeeded: 8 }), { itemsTotal: 10 });
    expect(outcome).toMatchObject({ status: 'partial_complete', itemsTotal: 10, itemsProcessed: 8, itemsFailed: 2, coverageRate: 0.8 });
  });

  it('ignores an itemsTotal smaller than what was received', () => {
    expect(finalOutcome(counts({ received: 8, succeeded: 8 }), { itemsTotal: 3 }).itemsTotal).toBe(8);
  });

  it('counts nothing as pushed when the producer reports an error', () => {
    expect(finalOutcome(counts({ received: 5, succeeded: 5 }), { status: 'error' })).toEqual({
      status: 'error',
      itemsTotal: 5,
      itemsProcessed: 0,
      itemsFailed: 5,
      coverageRate: 0,
    });
  });

  it('has no coverage rate for an empty run', () => {
    expect(finalOutcome(counts({}), {})).toEqual({ status: 'complete', itemsTotal: 0, itemsProcessed: 0, itemsFailed: 0, coverageRate: null });
  });

  it('writes a readable message for partial runs', () => {
    const c = counts({ received: 5, succeeded: 1, failed: 4, null: 1, duplicate: 1 });
    expect(summarizeFailures(c, finalOutcome(c, { itemsTotal: 6 }))).toBe(
      '5 of 6 records failed: 2 rejected, 1 without identifier (NULL), 1 duplicate (DUPLICATE), 1 not sent',
    );
    expect(summarizeFailures(counts({ received: 1, succeeded: 1 }), finalOutcome(counts({ received: 1, succeeded: 1 }), {}))).toBeUndefined();
  });
});

describe('nextWatermark (Sync History retry behaviour)', () => {
  const signalRun = { syncType: 'signal' as const, status: 'complete' as const, maxEventDate: '2026-11-20T00:00:00.000Z', runId: 'r2', dryRun: false };

  it('advances on a complete run', () => {
    expect(nextWatermark(undefined, signalRun)).toEqual({ maxEventDate: '2026-11-20T00:00:00.000Z', runId: 'r2' });
  });

  it('advances on a partial-complete run', () => {
    expect(nextWatermark({ maxEventDate: '2026-11-19T00:00:00.000Z', runId: 'r1' }, { ...signalRun, status: 'partial_complete' })?.runId).toBe('r2');
  });

  it('stays put after an error run, so the next run re-reads the same events', () => {
    expect(nextWatermark({ maxEventDate: '2026-11-19T00:00:00.000Z', runId: 'r1' }, { ...signalRun, status: 'error' })).toBeUndefined();
  });

  it('never moves backwards', () => {
    expect(nextWatermark({ maxEventDate: '2026-11-21T00:00:00.000Z', runId: 'r1' }, signalRun)).toBeUndefined();
  });

  it('is only for signal syncs, and not for dry runs', () => {
    expect(nextWatermark(undefined, { ...signalRun, syncType: 'audience' })).toBeUndefined();
    expect(nextWatermark(undefined, { ...signalRun, dryRun: true })).toBeUndefined();
  });
});
