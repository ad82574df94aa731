import { alertRulesSchema, putAlerts } from '#domain/alerts.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok, routeSpec } from '#http/api-handler.ts';
import { syncPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'admin', params: syncPath, body: alertRulesSchema });

/** PUT /v1/syncs/{syncId}/alerts — replaces the sync's alert rules (audited) and judges each at once. */
export const makeHandler = (deps: Deps) => apiHandler(deps, spec, async ({ principal, params, body }) => ok(await putAlerts(deps, principal, params.syncId, body)));
