import { getAlerts } from '#domain/alerts.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/syncs/{syncId}/alerts — the rules and whether each is firing. */
export const makeHandler = (deps: Deps) => apiHandler(deps, specOf('query/get-alerts'), async ({ principal, params }) => ok(await getAlerts(deps, principal, params.syncId)));
