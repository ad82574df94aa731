import { getCoverage } from '#domain/coverage.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { syncPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'read', params: syncPath });

/** GET /v1/syncs/{syncId}/coverage — coverage over the last runs, and whether it stays low. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params }) => ok(await getCoverage(deps, principal, params.syncId)));
