import * as z from 'zod';
import { count, dlqState, nullableString, page, recordStatus, str } from './common.ts';

const itemFields = {
  itemId: str,
  syncId: str,
  runId: str,
  batchType: str,
  batchNumber: count,
  rowNumber: count,
  fileKey: str,
  identifier: nullableString,
  status: recordStatus,
  statusMessage: nullableString,
  entityType: nullableString,
  instance: nullableString,
  createdAt: str,
  recordsExpireAt: nullableString,
  payload: z.unknown(),
  payloadTruncated: z.boolean(),
  payloadBytes: count,
  payloadAvailable: z.boolean(),
  payloadPreview: str.optional(),
};
export const dlqItemAnswer = z
  .strictObject({ ...itemFields, state: dlqState, stateChangedAt: nullableString, stateChangedBy: nullableString })
  .meta({ description: 'A dead-lettered record' });
export const dlqPageAnswer = page(dlqItemAnswer);
export const replayedAnswer = dlqItemAnswer.extend({ eventId: str });

export const replaysPageAnswer = page(
  z.strictObject({ eventId: str, orgId: str, type: z.literal('dlq.replay'), at: str, by: str, item: z.strictObject(itemFields) }),
);

const remaining = z.boolean().meta({ description: 'More pending items match than this answer counted or acted on: send the request again' });
const dryRunAnswer = z.strictObject({ matched: count, remaining, asOf: str.meta({ description: 'When the items were counted: send it as the filter\'s `to` to act on those items only, not on any dead-lettered since' }) }).meta({ description: 'A dry run: the pending items the filter matches (at most 10,000)' });
export const bulkReplayedAnswer = z.union([dryRunAnswer, z.strictObject({ matched: count, replayed: count, remaining }).meta({ description: 'The items this request took up (matched) and replayed' })]);
export const bulkDiscardedAnswer = z.union([dryRunAnswer, z.strictObject({ matched: count, discarded: count, remaining }).meta({ description: 'The items this request took up (matched) and discarded' })]);
