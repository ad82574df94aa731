import * as z from 'zod';
import { requireOrgKey } from './authz.ts';
import { idSchema, newId } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
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

/** Who acted, as people read it: the key's label (its id when it has none), or the root key. */
function actorLabel(actor: string, labels: ReadonlyMap<string, string | undefined>): string {
  if (actor === 'root') return 'root key';
  return labels.get(actor) ?? `key ${actor}`;
}

/** `GET /v1/audit`: who changed what, when; newest first. */
export async function listAudit(deps: Deps, principal: Principal, query: AuditQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const page = await deps.audit.list(orgId, query);
  // Labels are read now rather than copied into each entry when it is written: a key's label is
  // set when it is minted and never changes, and revoking a key keeps its item (only revokedAt
  // is set), so this is the label the key had when it acted, revoked or not, and entries written
  // before labels were shown read the same. One batch read per page, for its distinct key ids
  // (at most the page's limit); the map is this request's cache. Only this org's keys count.
  const keyIds = [...new Set(page.items.map((entry) => entry.actor).filter((actor) => actor !== 'root'))];
  const keys = keyIds.length ? await deps.keys.getKeys(keyIds) : [];
  const labels = new Map(keys.filter((key) => key.orgId === orgId).map((key) => [key.keyId, key.label]));
  return {
    items: page.items.map(({ orgId: _org, ...entry }) => ({
      ...entry,
      actionLabel: AUDIT_ACTION_LABELS[entry.action] ?? entry.action,
      actorLabel: actorLabel(entry.actor, labels),
      before: entry.before ?? null,
      after: entry.after ?? null,
    })),
    nextCursor: page.nextCursor,
  };
}
