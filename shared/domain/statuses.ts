/**
 * The status vocabularies SyncTrail speaks: a record's outcome, a run's state and a
 * destination's current status, plus the Sync Logs badge a record wears. Producers may use
 * any of the words below for a record; everything stored uses the canonical ones.
 */

/** Canonical record statuses, as written to the `status` column of every parquet file. */
export const RECORD_STATUSES = [
  'succeeded',
  'partial_success',
  'partially_failed',
  'rejected',
  'extraction_failed',
  'in_progress',
  'extracting',
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
  // In flight: the pipeline is still working on the record; a later record of the same
  // identifier in the same run supersedes it.
  in_progress: 'in_progress',
  inprogress: 'in_progress',
  processing: 'in_progress',
  extracting: 'extracting',
};

export const REPORTED_STATUS_WORDS = Object.keys(REPORTED_STATUS_ALIASES);

const fold = (word: string) => word.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** The canonical status for a producer's word, or undefined when it is not one we know. */
export function normalizeReportedStatus(word: string): Exclude<RecordStatus, 'NULL' | 'DUPLICATE'> | undefined {
  // Own words only: `constructor` or `__proto__` is no status.
  const folded = fold(word);
  return Object.hasOwn(REPORTED_STATUS_ALIASES, folded) ? REPORTED_STATUS_ALIASES[folded] : undefined;
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

export type Outcome = 'success' | 'partial' | 'failed' | 'in_flight';

/**
 * How a status counts: the API's `succeeded` is success plus partial, `failed` the rest;
 * in-flight records (in progress, extracting) are neither until a later record settles them.
 */
export function outcomeOf(status: RecordStatus): Outcome {
  switch (status) {
    case 'succeeded':
      return 'success';
    case 'partial_success':
    case 'partially_failed':
      return 'partial';
    case 'in_progress':
    case 'extracting':
      return 'in_flight';
    default:
      return 'failed';
  }
}

export const isInFlight = (status: string) => status === 'in_progress' || status === 'extracting';

/**
 * The badge a record wears in Sync Logs: always SyncTrail's word, never the producer's (which
 * is shown in Details). `completed` is the success a producer reports as "completed".
 */
export const LOG_STATUSES = ['success', 'completed', 'partial_success', 'partially_failed', 'in_progress', 'extracting', 'failed', 'extraction_failed'] as const;
export type LogStatus = (typeof LOG_STATUSES)[number];

export const LOG_STATUS_LABELS: Record<LogStatus, string> = {
  success: 'Success',
  completed: 'Completed',
  partial_success: 'Partial Success',
  partially_failed: 'Partially Failed',
  in_progress: 'In Progress',
  extracting: 'Extracting',
  failed: 'Failed',
  extraction_failed: 'Extraction Failed',
};

/** Why SyncTrail itself failed a record before counting it: no identifier, or one already seen in the batch. */
export type InvalidReason = 'no_identifier' | 'duplicate';

export function invalidReasonOf(status: string): InvalidReason | null {
  return status === 'NULL' ? 'no_identifier' : status === 'DUPLICATE' ? 'duplicate' : null;
}

/** A stored record's Sync Logs status, from its canonical status and the producer's own word. */
export function logStatusOf(status: string, reportedStatus: string | null): LogStatus {
  switch (status) {
    case 'succeeded':
      return reportedStatus !== null && ['completed', 'complete'].includes(fold(reportedStatus)) ? 'completed' : 'success';
    case 'partial_success':
    case 'partially_failed':
    case 'in_progress':
    case 'extracting':
    case 'extraction_failed':
      return status;
    default:
      // rejected, and SyncTrail's own NULL and DUPLICATE.
      return 'failed';
  }
}

/** Whether a word names a Sync Logs status (`success`, `in_progress`, …) rather than a stored one. */
export function parseLogStatus(word: string): LogStatus | undefined {
  const folded = fold(word);
  return (LOG_STATUSES as readonly string[]).includes(folded) ? (folded as LogStatus) : undefined;
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
