import { getAlerts } from '#domain/alerts.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok, routeSpec } from '#http/api-handler.ts';
import { syncPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'read', params: syncPath });

/** GET /v1/syncs/{syncId}/alerts — the rules and whether each is firing. */
export const makeHandler = (deps: Deps) => apiHandler(deps, spec, async ({ principal, params }) => ok(await getAlerts(deps, principal, params.syncId)));
