import { recordAudit } from './audit.ts';
import { requireOrgKey } from './authz.ts';
import { notFound } from './errors.ts';
import { generateKey, hashKey, type CreateKeyRequest, type Principal, type StoredKey } from './keys.ts';
import type { Deps } from './ports.ts';

/** `POST /v1/keys`: the plaintext is in this answer only; the store keeps its hash. */
export async function createKey(deps: Deps, principal: Principal, request: CreateKeyRequest) {
  const orgId = requireOrgKey(principal, 'admin');
  const actor = principal.kind === 'key' ? principal.keyId : 'root';
  const { keyId, key } = generateKey();
  const stored: StoredKey = {
    keyId,
    orgId,
    keyHash: hashKey(key),
    scopes: request.scopes,
    ...(request.label ? { label: request.label } : {}),
    createdAt: deps.clock.now().toISOString(),
    createdBy: actor,
  };
  await deps.keys.putKey(stored);
  await recordAudit(deps, { orgId, actor, action: 'key.created', target: { type: 'key', id: keyId }, after: { scopes: stored.scopes, label: stored.label ?? null } });
  return { keyId, key, scopes: stored.scopes, label: stored.label ?? null, createdAt: stored.createdAt };
}

export async function revokeKey(deps: Deps, principal: Principal, keyId: string) {
  const orgId = requireOrgKey(principal, 'admin');
  const actor = principal.kind === 'key' ? principal.keyId : 'root';
  const at = deps.clock.now().toISOString();
  if (!(await deps.keys.revokeKey(orgId, keyId, at))) throw notFound(`key ${keyId}`);
  await recordAudit(deps, { orgId, actor, action: 'key.revoked', target: { type: 'key', id: keyId }, after: { revokedAt: at } });
  return { keyId, revokedAt: at };
}
