import { forbidden } from './errors.ts';
import type { Principal, Scope } from './keys.ts';

/** The org a request acts for, which always comes from its key, never from the URL. */
export function requireOrgKey(principal: Principal, scope: Scope): string {
  if (principal.kind !== 'key') throw forbidden('the root key may only create orgs; use an org key');
  if (!principal.scopes.includes(scope)) throw forbidden(`this key lacks the '${scope}' scope`);
  return principal.orgId;
}
