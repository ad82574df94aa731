import { conflict, forbidden } from './errors.ts';
import { generateKey, hashKey, type Principal, type Scope, type StoredKey } from './keys.ts';
import type { Deps } from './ports.ts';
import { recordAudit } from './audit.ts';

/** The org owner's key: it can mint narrower keys, and do what they do. */
const ADMIN_KEY_SCOPES: Scope[] = ['admin', 'ingest', 'read'];

export async function createOrg(deps: Deps, principal: Principal, input: { orgId: string; name?: string }) {
  if (principal.kind !== 'root') throw forbidden('only the root key may create orgs');
  const now = deps.clock.now().toISOString();
  const created = await deps.orgs.createOrg({ orgId: input.orgId, ...(input.name ? { name: input.name } : {}), createdAt: now });
  if (!created) throw conflict(`org ${input.orgId} already exists`);
  const { keyId, key } = generateKey();
  const stored: StoredKey = {
    keyId,
    orgId: input.orgId,
    keyHash: hashKey(key),
    scopes: ADMIN_KEY_SCOPES,
    label: 'org admin key',
    createdAt: now,
    createdBy: 'root',
  };
  await deps.keys.putKey(stored);
  await recordAudit(deps, { orgId: input.orgId, actor: 'root', action: 'org.created', target: { type: 'org', id: input.orgId }, after: { name: input.name ?? null } });
  await recordAudit(deps, { orgId: input.orgId, actor: 'root', action: 'key.created', target: { type: 'key', id: keyId }, after: { scopes: stored.scopes, label: stored.label } });
  return { orgId: input.orgId, adminKey: key, adminKeyId: keyId, scopes: ADMIN_KEY_SCOPES };
}
