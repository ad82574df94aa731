import { revokeKey } from '#domain/api-keys.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { keyPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'admin', params: keyPath });

/** DELETE /v1/keys/{keyId} */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params }) => ok(await revokeKey(deps, principal, params.keyId)));
