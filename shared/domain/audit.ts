import * as z from 'zod';
import { requireOrgKey } from './authz.ts';
import { idSchema, newId } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
import { cursorSchema, dateBound, fromBeforeTo, limitSchema } from './query-params.ts';

export type AuditAction =
  | 'org.created'
  | 'key.created'
  | 'key.revoked'
  | 'sync.created'
  | 'sync.updated'
  | 'sync.alerts_updated'
  | 'dlq.replayed'
  | 'dlq.discarded'
  | 'webhook.created'
  | 'webhook.deleted';

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

export async function recordAudit(deps: Pick<Deps, 'audit' | 'clock'>, entry: Omit<AuditEntry, 'auditId' | 'at'>): Promise<void> {
  const now = deps.clock.now();
  await deps.audit.append({ ...entry, auditId: newId('aud', now), at: now.toISOString() });
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

/** `GET /v1/audit`: who changed what, when; newest first. */
export async function listAudit(deps: Deps, principal: Principal, query: AuditQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const page = await deps.audit.list(orgId, query);
  return { items: page.items.map(({ orgId: _org, ...entry }) => ({ ...entry, before: entry.before ?? null, after: entry.after ?? null })), nextCursor: page.nextCursor };
}
