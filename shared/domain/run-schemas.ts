/** What the run routes take: start, complete, and Sync History's filters (zod, the API's contract). */
import * as z from 'zod';
import { idSchema } from './ids.ts';
import { cursorSchema, dateBound, fromBeforeTo, limitSchema } from './query-params.ts';
import { RUN_STATUSES, SYNC_TYPES } from './statuses.ts';

const isoDate = z.iso.datetime({ offset: true });

export const startRunRequestSchema = z.strictObject({
  runId: idSchema.optional(),
  startedAt: isoDate.optional(),
  dryRun: z.boolean().default(false),
  correlationId: z.string().min(1).max(256).optional(),
});
export type StartRunRequest = z.infer<typeof startRunRequestSchema>;

export const completeRunRequestSchema = z.strictObject({
  status: z.literal('error').optional(),
  statusMessage: z.string().min(1).max(8192).optional(),
  itemsTotal: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  /** Rows the producer extracted: the run then shows how many it never reported (`unaccountedCount`). */
  sourceCount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  maxEventDate: isoDate.optional(),
});
export type CompleteRunRequest = z.infer<typeof completeRunRequestSchema>;

export const runQuerySchema = z
  .strictObject({
    syncType: z.enum(SYNC_TYPES).optional(),
    connectionType: z.string().min(1).max(256).optional(),
    destinationId: z.string().min(1).max(256).optional(),
    syncId: idSchema.optional(),
    status: z.enum(RUN_STATUSES).optional(),
    instance: z.string().min(1).max(256).optional(),
    from: dateBound('start').optional(),
    to: dateBound('end').optional(),
    limit: limitSchema,
    cursor: cursorSchema,
  })
  .refine(fromBeforeTo, { message: 'from is after to', path: ['from'] });
export type RunQuery = z.infer<typeof runQuerySchema>;
