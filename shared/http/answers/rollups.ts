import * as z from 'zod';
import { count, nullableString, runStatus, str } from './common.ts';
import { runAnswer } from './runs.ts';

export const facetsAnswer = z.strictObject({ instances: z.array(str), entityTypes: z.array(str), truncated: z.boolean() });

const statFields = { successRate: z.number().nullable(), truncated: z.boolean(), totalOperations: count, success: count, partialSuccess: count, failed: count, inProgress: count, runs: count };
export const statsAnswer = z.union([z.strictObject({ ...statFields, countedFrom: z.literal('rows') }), z.strictObject({ ...statFields, countedFrom: z.literal('counters') })]);

const instanceFields = {
  instance: str,
  runs: count,
  dryRuns: count,
  itemsTotal: count,
  itemsProcessed: count,
  itemsFailed: count,
  lastRunAt: nullableString,
  lastStatus: runStatus.nullable(),
  statuses: z.strictObject({ error: count, running: count, complete: count, partial_complete: count }),
  syncIds: z.array(str),
  entityTypes: z.array(str),
  correlationIds: z.array(str),
};
export const instancesAnswer = z.strictObject({ items: z.array(z.strictObject(instanceFields)), truncated: z.boolean() });
export const instanceAnswer = z.strictObject({ ...instanceFields, items: z.array(runAnswer), nextCursor: nullableString });
