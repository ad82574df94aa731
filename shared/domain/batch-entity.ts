/**
 * The batch entity: a batch item as stored and the counts it adds to its run. A leaf (no use
 * case, no port), so `ports.ts` and the run entity can name it; the batch use cases are `batch.ts`.
 */
import type { FieldTypes } from './payload.ts';

/**
 * What a batch adds to its run. `failed` includes the NULL and DUPLICATE ones. `inFlight`
 * counts records reported in progress or extracting (neither successes nor failures), and
 * `superseded` those of them a later record of the same identifier settled: within the batch
 * when it is counted, across the run's batches once the run completes. Absent on batches
 * counted before in-flight statuses existed: read them as 0.
 */
export interface BatchCounts {
  received: number;
  succeeded: number;
  partial: number;
  failed: number;
  null: number;
  duplicate: number;
  inFlight?: number;
  superseded?: number;
}

/** Counts per entity type, keyed `type|received`, `type|succeeded`, `type|partial`, `type|failed`, `type|inFlight`, `type|superseded`. */
export type EntityCounts = Record<string, number>;

export interface BatchError {
  reason: string;
  /** The first bad lines of an upload, 1-based, with what is wrong with each. */
  badLines: Array<{ line: number; message: string }>;
  invalidLines: number;
}

export interface BatchRecord {
  orgId: string;
  runId: string;
  batchKey: string;
  batchType: string;
  batchNumber: number;
  /** Absent while an upload has not been converted. */
  contentHash?: string;
  /**
   * `writing` — claimed, file and count in progress (inline, or an upload being converted);
   * `pending` — waiting for its upload (or being read, once `claimedAt` is set);
   * `done` — counted (the run adds up its done batches); `failed` — an upload that did not convert.
   */
  state: 'writing' | 'pending' | 'done' | 'failed';
  source?: 'inline' | 'upload';
  /** The object key of the upload this batch expects: a later upload replaces it. */
  uploadKey?: string;
  uploadExpiresAt?: string;
  conversionStartedAt?: string;
  /** How many times a conversion of the current upload started. */
  conversionAttempts?: number;
  /** When the current writer (a request, a conversion) took the batch on. */
  claimedAt?: string;
  /** After this the writer is known dead (its function's timeout has passed): others roll it forward or let it go. */
  writeDeadline?: string;
  startedAt?: string;
  endedAt?: string;
  error?: BatchError;
  counts: BatchCounts;
  entityCounts: EntityCounts;
  maxEventDate?: string;
  /** The batch's payload fields, bounded (the file's footer has them all when `payloadFieldsTruncated`). */
  payloadFields?: FieldTypes;
  payloadFieldsTruncated?: boolean;
  /** Records reported final and failed: the dead-letter items this batch makes. */
  finalFailures?: number;
  /** Counted, but its dead-letter items are still to be written. */
  dlqPending?: boolean;
  fileKey?: string;
  /** Size of the parquet file, so readers can fetch byte ranges without asking S3 first. */
  fileBytes?: number;
  createdAt: string;
  doneAt?: string;
  expiresAt: string;
}
