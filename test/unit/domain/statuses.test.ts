import { describe, expect, it } from 'vitest';
import { normalizeReportedStatus, normalizeStatusFilter, outcomeOf, RECORD_STATUSES } from '#domain/statuses.ts';

describe('record statuses', () => {
  it.each([
    ['succeeded', 'succeeded'],
    ['Success', 'succeeded'],
    ['completed', 'succeeded'],
    ['Partial Success', 'partial_success'],
    ['partially failed', 'partially_failed'],
    ['Partially-Failed', 'partially_failed'],
    ['rejected', 'rejected'],
    ['Failed', 'rejected'],
    ['Extraction Failed', 'extraction_failed'],
  ])('normalizes the producer word %s to %s', (word, canonical) => {
    // Act
    const status = normalizeReportedStatus(word);
    // Assert
    expect(status).toBe(canonical);
  });

  it.each(['NULL', 'DUPLICATE', 'in progress', 'extracting', 'ok', ''])('refuses %s from a producer', (word) => {
    expect(normalizeReportedStatus(word)).toBeUndefined();
  });

  it('lets filters ask for NULL and DUPLICATE, which only SyncTrail assigns', () => {
    expect(normalizeStatusFilter('null')).toBe('NULL');
    expect(normalizeStatusFilter('DUPLICATE')).toBe('DUPLICATE');
    expect(normalizeStatusFilter('failed')).toBe('rejected');
  });

  it('counts successes and partial outcomes as processed and the rest as failed', () => {
    const outcomes = Object.fromEntries(RECORD_STATUSES.map((s) => [s, outcomeOf(s)]));
    expect(outcomes).toEqual({
      succeeded: 'success',
      partial_success: 'partial',
      partially_failed: 'partial',
      rejected: 'failed',
      extraction_failed: 'failed',
      NULL: 'failed',
      DUPLICATE: 'failed',
    });
  });
});
