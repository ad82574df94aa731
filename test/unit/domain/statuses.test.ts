import { describe, expect, it } from 'vitest';
import { invalidReasonOf, LOG_STATUS_LABELS, LOG_STATUSES, logStatusOf, normalizeReportedStatus, normalizeStatusFilter, outcomeOf, RECORD_STATUSES } from '#domain/statuses.ts';

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
    ['In Progress', 'in_progress'],
    ['in-progress', 'in_progress'],
    ['EXTRACTING', 'extracting'],
  ])('normalizes the producer word %s to %s', (word, canonical) => {
    // Act
    const status = normalizeReportedStatus(word);
    // Assert
    expect(status).toBe(canonical);
  });

  it.each(['NULL', 'DUPLICATE', 'ok', 'pending', ''])('refuses %s from a producer', (word) => {
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
      in_progress: 'in_flight',
      extracting: 'in_flight',
      NULL: 'failed',
      DUPLICATE: 'failed',
    });
  });
});

describe('Sync Logs badges', () => {
  it.each([
    ['succeeded', 'success', 'success'],
    ['succeeded', 'Success', 'success'],
    ['succeeded', 'Completed', 'completed'],
    ['succeeded', 'complete', 'completed'],
    ['succeeded', null, 'success'],
    ['partial_success', 'partial success', 'partial_success'],
    ['partially_failed', 'Partially Failed', 'partially_failed'],
    ['rejected', 'Rejected', 'failed'],
    ['rejected', 'error', 'failed'],
    ['extraction_failed', 'extraction failed', 'extraction_failed'],
    ['in_progress', 'processing', 'in_progress'],
    ['extracting', 'extracting', 'extracting'],
    // SyncTrail's own verdicts, whatever the producer said.
    ['NULL', 'success', 'failed'],
    ['DUPLICATE', 'Succeeded', 'failed'],
  ] as const)('a %s record the producer called %s wears %s', (status, reported, badge) => {
    expect(logStatusOf(status, reported)).toBe(badge);
  });

  it('has a label for every badge and says why SyncTrail failed an invalid record', () => {
    expect(LOG_STATUSES.map((s) => LOG_STATUS_LABELS[s])).toEqual(['Success', 'Completed', 'Partial Success', 'Partially Failed', 'In Progress', 'Extracting', 'Failed', 'Extraction Failed']);
    expect([invalidReasonOf('NULL'), invalidReasonOf('DUPLICATE'), invalidReasonOf('rejected')]).toEqual(['no_identifier', 'duplicate', null]);
  });
});
