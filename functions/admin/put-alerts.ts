import { putAlerts } from '#domain/alerts.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** PUT /v1/syncs/{syncId}/alerts — replaces the sync's alert rules (audited) and judges each at once. */
export const makeHandler = (deps: Deps) => apiHandler(deps, specOf('admin/put-alerts'), async ({ principal, params, body }) => ok(await putAlerts(deps, principal, params.syncId, body)));
