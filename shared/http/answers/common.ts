/**
 * Building blocks of the API's answers: the shapes several routes share (a run, a sync, a
 * batch, a dead-lettered record). Each route's answer schema is in the file of its concern;
 * `index.ts` maps every route to them. A test validates real answers against these.
 */
import * as z from 'zod';
import { alertRuleSchema } from '#domain/alert-entity.ts';
import { AUDIT_ACTION_LABELS } from '#domain/audit-entity.ts';
import { DLQ_STATES } from '#domain/dlq-entity.ts';
import { EVENT_TYPES } from '#domain/events.ts';
import { SCOPES } from '#domain/keys.ts';
import { DESTINATION_STATUSES, RECORD_STATUSES, RUN_STATUSES, SYNC_OPERATIONS, SYNC_TYPES } from '#domain/statuses.ts';

export const str = z.string();
export const nullableString = z.string().nullable();
export const count = z.number();
export const runStatus = z.enum(RUN_STATUSES);
export const syncType = z.enum(SYNC_TYPES);
export const syncOperation = z.enum(SYNC_OPERATIONS);
export const destinationStatus = z.enum(DESTINATION_STATUSES);
export const recordStatus = z.enum(RECORD_STATUSES);
export const scope = z.enum(SCOPES);
export const eventType = z.enum(EVENT_TYPES);
export const dlqState = z.enum(DLQ_STATES);
export const errorCategory = z.enum(['data', 'connectivity', 'unknown']);
export const auditAction = z.enum(Object.keys(AUDIT_ACTION_LABELS) as [keyof typeof AUDIT_ACTION_LABELS, ...Array<keyof typeof AUDIT_ACTION_LABELS>]);
export const alertRule = alertRuleSchema;

/** A page of a listing: `nextCursor` continues it, null at the end. */
export const page = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item), nextCursor: nullableString });

export const destinationObject = z.strictObject({ id: str, type: str, name: str }).nullable();

/** Which sync, to which destination: the head of a destination row and of a run's context. */
export const syncContextFields = {
  syncId: str,
  entityName: str,
  syncType,
  destinationId: str,
  destinationName: str,
  connectionType: str,
};

/** Which run, of which sync, to which destination: `runContext` in the domain, the head of a run and of a timeline outcome. */
export const runContextFields = {
  runId: str,
  ...syncContextFields,
  destinationObject,
  instance: nullableString,
};

export const recordCounters = z
  .strictObject({ received: count, succeeded: count, partialSuccess: count, failed: count, null: count, duplicate: count, inProgress: count, superseded: count })
  .meta({ description: 'Records of a run by outcome' });

export const batchCounts = { received: count, succeeded: count, partialSuccess: count, failed: count, inProgress: count, superseded: count, invalid: z.strictObject({ null: count, duplicate: count }) };
