/**
 * The dead-letter entity: an item awaiting an operator, the replay event that re-sends it and
 * how the list is queried. A leaf (no use case, no port), so `ports.ts` can name it; making,
 * replaying and discarding items are `dlq.ts`.
 */
import * as z from 'zod';
import { ERROR_CATEGORIES } from './error-catalogue.ts';
import { idSchema } from './ids.ts';
import { cursorSchema, dateBound, fromBeforeTo, limitSchema } from './query-params.ts';
import type { RecordStatus } from './statuses.ts';

export const DLQ_STATES = ['pending', 'replayed', 'discarded'] as const;
export type DlqState = (typeof DLQ_STATES)[number];

/**
 * A record the producer gave up on (`final: true` and a failed status), awaiting an operator.
 * Its size is bounded (DynamoDB refuses items over 400 KB): the payload is the record's
 * JSON text cut to `PAYLOAD_PREVIEW_BYTES` (`dlq.ts`), and the whole record is row `rowNumber` of `fileKey`.
 */
export interface DlqItem {
  orgId: string;
  itemId: string;
  syncId: string;
  runId: string;
  batchType: string;
  batchNumber: number;
  rowNumber: number;
  /** The batch file that holds the whole record, at row `rowNumber`. */
  fileKey: string;
  identifier: string | null;
  status: RecordStatus;
  statusMessage: string | null;
  /** The record's JSON text, or its first PAYLOAD_PREVIEW_BYTES bytes (cut between characters) when `payloadTruncated`. */
  payload: string;
  payloadTruncated: boolean;
  /** The size of the whole JSON text, in UTF-8 bytes. */
  payloadBytes: number;
  entityType: string | null;
  instance: string | null;
  createdAt: string;
  state: DlqState;
  stateChangedAt?: string;
  stateChangedBy?: string;
  expiresAt: string;
  /** Until when the batch file may be read (the run's record retention); absent on items stored before it was kept. */
  recordsExpireAt?: string;
}

/**
 * How a record's payload is shown: `payload` is the record when it is whole, else null,
 * with `payloadPreview` (the first bytes of its JSON text). `payloadAvailable` says whether
 * the whole record can still be read from `fileKey` (false once the records' retention passed).
 */
export interface PayloadView {
  payload: unknown;
  payloadTruncated: boolean;
  payloadBytes: number;
  payloadAvailable: boolean;
  payloadPreview?: string;
}

/** What a producer receives to re-send one record (EventBridge detail in AWS). */
export interface ReplayEvent {
  eventId: string;
  orgId: string;
  type: 'dlq.replay';
  at: string;
  by: string;
  item: Omit<DlqItem, 'orgId' | 'state' | 'stateChangedAt' | 'stateChangedBy' | 'expiresAt' | 'payload' | 'payloadTruncated' | 'payloadBytes' | 'recordsExpireAt'> &
    PayloadView & { recordsExpireAt: string | null };
}

export const dlqQuerySchema = z.strictObject({
  syncId: idSchema.optional(),
  state: z.enum(DLQ_STATES).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type DlqQuery = z.infer<typeof dlqQuerySchema>;

/** The filter keys of the bulk actions, in the order the docs list them. */
export const DLQ_BULK_FILTER_KEYS = ['syncId', 'runId', 'statusMessage', 'category', 'from', 'to'] as const;

/**
 * Which pending items a bulk replay or discard acts on: every key given must hold (AND).
 * `syncId` as in `GET /v1/dlq`; `statusMessage` matches exactly, or by prefix when it ends
 * with `*` (as `identifier` does on a run's records); `category` is the error catalogue's
 * (`docs/errors.md`) for the item's message; `from`/`to` bound its `createdAt` (a bare date
 * is the whole day, UTC). An empty filter is refused: "everything" has to be said with a key.
 */
export const dlqBulkFilterSchema = z
  .strictObject({
    syncId: idSchema.optional(),
    runId: idSchema.optional(),
    statusMessage: z.string().min(1).max(8192).optional(),
    category: z.enum(ERROR_CATEGORIES).optional(),
    from: dateBound('start').optional(),
    to: dateBound('end').optional(),
  })
  .refine(fromBeforeTo, { message: 'from is after to', path: ['from'] })
  .refine((filter) => DLQ_BULK_FILTER_KEYS.some((key) => filter[key] !== undefined), {
    message: `filter must name at least one of ${DLQ_BULK_FILTER_KEYS.join(', ')}; an empty filter would act on every pending item of the org (to mean that, say "from": "2000-01-01")`,
  });
export type DlqBulkFilter = z.infer<typeof dlqBulkFilterSchema>;

/** The part of a bulk filter the store applies itself (the rest is matched on the items it reads). */
export type DlqStoreFilter = Pick<DlqBulkFilter, 'syncId' | 'runId' | 'from' | 'to'>;

/** `POST /v1/dlq/replay` and `POST /v1/dlq/discard`: `dryRun` must be said, true or false. */
export const dlqBulkRequestSchema = z.strictObject({ filter: dlqBulkFilterSchema, dryRun: z.boolean() });
export type DlqBulkRequest = z.infer<typeof dlqBulkRequestSchema>;
