import * as z from 'zod';
import { ALERT_TYPES } from '#domain/alert-entity.ts';
import { alertRule, count, destinationObject, destinationStatus, nullableString, page, runStatus, str, syncContextFields, syncOperation, syncType } from './common.ts';
import { watermarkOf } from './runs.ts';

const alertState = z.strictObject({ firing: z.boolean(), since: str, detail: str, runId: str.optional() });
const lastRunOf = z.strictObject({ runId: str, status: z.enum(['complete', 'partial_complete', 'error']), statusMessage: str.optional(), executionDate: str });

/** A sync's configuration with its destination status, last run and watermark. */
export const syncAnswer = z
  .strictObject({
    syncId: str,
    name: str,
    syncType,
    operation: syncOperation,
    enabled: z.boolean(),
    source: z.strictObject({
      id: str,
      type: str,
      name: str,
      modelId: nullableString.optional(),
      businessObjectId: nullableString.optional(),
      filterSegmentId: nullableString.optional(),
      cohortId: nullableString.optional(),
    }),
    destination: z.strictObject({ id: str, name: str, connectionType: str, type: str.optional() }),
    entityType: str.optional(),
    instance: str.optional(),
    workspaceId: str.optional(),
    coverageThreshold: count.optional(),
    coverageWindow: count.optional(),
    destinationObject: z.strictObject({ id: str, type: str, name: str }).optional(),
    createdAt: str,
    updatedAt: str,
    destinationStatus,
    currentRunId: str.optional(),
    lastRun: lastRunOf.optional(),
    alertRules: z.array(alertRule).optional(),
    alertStates: z.strictObject(Object.fromEntries(ALERT_TYPES.map((type) => [type, alertState.optional()]))).optional(),
    watermark: watermarkOf.nullable(),
  })
  .meta({ description: 'A sync with its destination status and watermark' });

export const syncsPageAnswer = page(syncAnswer);

export const watermarkAnswer = z.strictObject({ syncId: str, syncType, maxEventDate: nullableString, runId: nullableString });

export const destinationAnswer = z.strictObject({
  ...syncContextFields,
  enabled: z.boolean(),
  destinationObject,
  status: destinationStatus,
  currentRunId: nullableString,
  lastRun: lastRunOf.nullable(),
  lastStatusMessage: nullableString,
});
export const destinationsPageAnswer = page(destinationAnswer);

const judgedRule = z.intersection(alertRule, z.object({ state: z.enum(['firing', 'ok', 'pending']), since: nullableString, detail: nullableString }));
export const alertsAnswer = z.strictObject({ syncId: str, rules: z.array(judgedRule) }).meta({ description: 'The alert rules of a sync, each with its state' });
export { runStatus };
