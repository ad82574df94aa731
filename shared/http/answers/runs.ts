import * as z from 'zod';
import { batchCounts, count, nullableString, page, recordCounters, runContextFields, runStatus, str, syncOperation } from './common.ts';

/** A run as every run route presents it. */
export const runAnswer = z
  .strictObject({
    ...runContextFields,
    entityType: nullableString,
    workspaceId: nullableString,
    operation: syncOperation,
    status: runStatus,
    statusMessage: nullableString,
    dryRun: z.boolean(),
    correlationId: nullableString,
    startedAt: str,
    executionDate: nullableString,
    itemsTotal: count,
    itemsProcessed: count,
    itemsFailed: count,
    coverageRate: z.number().nullable(),
    sourceCount: count.nullable().meta({ description: 'Rows the producer extracted, as it said at completion' }),
    unaccountedCount: z.number().int().nullable().meta({ description: 'sourceCount less itemsTotal: records extracted but never reported (negative: more reported than extracted)' }),
    maxEventDate: nullableString,
    records: recordCounters,
    batchCount: count,
    expiresAt: str,
    recordsExpireAt: str,
    recordsAvailable: z.boolean(),
  })
  .meta({ description: 'A run of a sync with its counters' });

export const watermarkOf = z.strictObject({ maxEventDate: str, runId: str });

export const startRunAnswer = runAnswer.extend({ watermark: watermarkOf.nullable().optional() }).meta({ description: 'The run, with the watermark of a signal sync' });

/** What a batch counted. */
export const batchResultAnswer = z.strictObject({ batchType: str, batchNumber: count, ...batchCounts }).meta({ description: 'What a batch counted' });

export const batchStateAnswer = z
  .strictObject({
    batchType: str,
    batchNumber: count,
    source: z.enum(['inline', 'upload']),
    state: str,
    phase: nullableString,
    ...batchCounts,
    error: z.strictObject({ reason: str, badLines: z.array(z.strictObject({ line: count, message: str })), invalidLines: count }).nullable(),
    createdAt: str,
    doneAt: nullableString,
    uploadExpiresAt: nullableString,
  })
  .meta({ description: 'A batch of a run and its state' });

export const listBatchesAnswer = z.strictObject({ items: z.array(batchStateAnswer) });
export const runsPageAnswer = page(runAnswer);
export const runDetailAnswer = runAnswer.extend({ batches: z.array(batchStateAnswer) }).meta({ description: 'A run with its batches' });

export const uploadAnswer = z.union([
  z.strictObject({ batchType: str, batchNumber: count, state: str, result: batchResultAnswer }),
  z.strictObject({
    batchType: str,
    batchNumber: count,
    state: str,
    uploadUrl: str,
    method: str,
    headers: z.strictObject({ 'content-type': str, 'content-encoding': str.optional() }),
    expiresAt: str,
  }),
]);

export const lineageAnswer = z.strictObject({
  eventType: z.enum(['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER']),
  syncId: str,
  createdSync: z.boolean(),
  runId: str,
  run: runAnswer,
});

export const coverageAnswer = z.strictObject({
  syncId: str,
  threshold: count,
  window: count,
  runs: z.array(z.strictObject({ runId: str, status: runStatus, coverageRate: z.number(), executionDate: str, belowThreshold: z.boolean() })),
  lowCoverage: z.boolean(),
  averageCoverage: z.number().nullable(),
  runsConsidered: count,
});
