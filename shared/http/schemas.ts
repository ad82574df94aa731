import * as z from 'zod';
import { idSchema } from '#domain/ids.ts';
import { cursorSchema, limitSchema } from '#domain/query-params.ts';

export const syncPath = z.strictObject({ syncId: idSchema });
export const runPath = z.strictObject({ runId: idSchema });
export const keyPath = z.strictObject({ keyId: z.string().regex(/^[a-z0-9]{20}$/, 'not a key id') });
export const pageQuery = z.strictObject({ limit: limitSchema, cursor: cursorSchema });
export const dlqItemPath = z.strictObject({ itemId: z.string().regex(/^dlq_[0-9a-f]{32}$/, 'not a dead-letter item id') });
