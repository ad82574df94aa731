/**
 * The audit entity: an audit log entry, the actions it records and how the log is queried. A
 * leaf (no use case, no port), so `ports.ts` can name it; recording and listing are `audit.ts`.
 */
import * as z from 'zod';
import { idSchema } from './ids.ts';
import { cursorSchema, dateBound, fromBeforeTo, limitSchema } from './query-params.ts';

/**
 * Every action the audit log records, with the words people read for it (the console and
 * `GET /v1/audit`'s `actionLabel`). `AuditAction` is this table's keys, so an action cannot be
 * written without a label.
 */
export const AUDIT_ACTION_LABELS = {
  'org.created': 'Org created',
  'key.created': 'Key created',
  'key.revoked': 'Key revoked',
  'sync.created': 'Sync created',
  'sync.updated': 'Sync changed',
  'sync.alerts_updated': 'Alert rules changed',
  'dlq.replayed': 'Record replayed',
  'dlq.discarded': 'Record discarded',
  'dlq.bulk_replayed': 'Records replayed in bulk',
  'dlq.bulk_discarded': 'Records discarded in bulk',
  'webhook.created': 'Webhook added',
  'webhook.deleted': 'Webhook removed',
} as const satisfies Record<string, string>;

export type AuditAction = keyof typeof AUDIT_ACTION_LABELS;

export interface AuditEntry {
  orgId: string;
  auditId: string;
  at: string;
  /** The key id that acted, or `root`. */
  actor: string;
  action: AuditAction;
  target: { type: 'org' | 'key' | 'sync' | 'dlq' | 'webhook'; id: string };
  syncId?: string;
  before?: unknown;
  after?: unknown;
}

export const auditQuerySchema = z
  .strictObject({
    syncId: idSchema.optional(),
    from: dateBound('start').optional(),
    to: dateBound('end').optional(),
    limit: limitSchema,
    cursor: cursorSchema,
  })
  .refine(fromBeforeTo, { message: 'from is after to', path: ['from'] });
export type AuditQuery = z.infer<typeof auditQuerySchema>;
