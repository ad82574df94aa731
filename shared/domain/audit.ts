import { AUDIT_ACTION_LABELS, type AuditEntry, type AuditQuery } from './audit-entity.ts';
import { requireOrgKey } from './authz.ts';
import { newId } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';

export async function recordAudit(deps: Pick<Deps, 'audit' | 'clock'>, entry: Omit<AuditEntry, 'auditId' | 'at'>): Promise<void> {
  const now = deps.clock.now();
  await deps.audit.append({ ...entry, auditId: newId('aud', now), at: now.toISOString() });
}

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
