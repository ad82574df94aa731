/**
 * The three status vocabularies SyncTrail speaks: a record's outcome, a run's state and a
 * destination's current status. Producers may use either seed's words for a record;
 * everything stored uses the canonical ones below.
 */

/** Canonical record statuses, as written to the `status` column of every parquet file. */
export const RECORD_STATUSES = [
  'succeeded',
  'partial_success',
  'partially_failed',
  'rejected',
  'extraction_failed',
  'NULL',
  'DUPLICATE',
] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/** Every word a producer may report, folded to lower case with spaces and dashes as `_`. */
const REPORTED_STATUS_ALIASES: Record<string, Exclude<RecordStatus, 'NULL' | 'DUPLICATE'>> = {
  succeeded: 'succeeded',
  success: 'succeeded',
  successful: 'succeeded',
  completed: 'succeeded',
  complete: 'succeeded',
  partial_success: 'partial_success',
  partially_succeeded: 'partial_success',
  partially_failed: 'partially_failed',
  partial_failure: 'partially_failed',
  rejected: 'rejected',
  failed: 'rejected',
  failure: 'rejected',
  error: 'rejected',
  extraction_failed: 'extraction_failed',
};

export const REPORTED_STATUS_WORDS = Object.keys(REPORTED_STATUS_ALIASES);

const fold = (word: string) => word.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** The canonical status for a producer's word, or undefined when it is not one we know. */
export function normalizeReportedStatus(word: string): Exclude<RecordStatus, 'NULL' | 'DUPLICATE'> | undefined {
  return REPORTED_STATUS_ALIASES[fold(word)];
}

/**
 * Like normalizeReportedStatus, but also accepts SyncTrail's own `NULL` and `DUPLICATE`:
 * for filters, where a reader asks for any status that can be stored.
 */
export function normalizeStatusFilter(word: string): RecordStatus | undefined {
  const upper = word.trim().toUpperCase();
  if (upper === 'NULL' || upper === 'DUPLICATE') return upper;
  return normalizeReportedStatus(word);
}

export type Outcome = 'success' | 'partial' | 'failed';

/** How a status counts: API.md's `succeeded` is success plus partial, `failed` the rest. */
export function outcomeOf(status: RecordStatus): Outcome {
  switch (status) {
    case 'succeeded':
      return 'success';
    case 'partial_success':
    case 'partially_failed':
      return 'partial';
    default:
      return 'failed';
  }
}

export const RUN_STATUSES = ['running', 'complete', 'partial_complete', 'error'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type FinalRunStatus = Exclude<RunStatus, 'running'>;

export const DESTINATION_STATUSES = ['ready', 'running', 'complete', 'partial_complete', 'error'] as const;
export type DestinationStatus = (typeof DESTINATION_STATUSES)[number];

export const SYNC_TYPES = ['audience', 'signal', 'entity'] as const;

export const SYNC_OPERATIONS = ['update', 'upsert', 'delete', 'append', 'mirror'] as const;

/** A record's own operation: the sync's, or what a mirror or entity pipeline did to it. */
export const RECORD_OPERATIONS = [...SYNC_OPERATIONS, 'create', 'insert'] as const;
