import { revokeKey } from '#domain/api-keys.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** DELETE /v1/keys/{keyId} */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('admin/revoke-key'), async ({ principal, params }) => ok(await revokeKey(deps, principal, params.keyId)));
