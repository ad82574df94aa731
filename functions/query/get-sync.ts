import type { Deps } from '#domain/ports.ts';
import { getSync } from '#domain/sync.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { syncPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'read', params: syncPath });

/** GET /v1/syncs/{syncId} */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params }) => ok(await getSync(deps, principal, params.syncId)));
