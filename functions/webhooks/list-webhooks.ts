import type { Deps } from '#domain/ports.ts';
import { listWebhooks } from '#domain/webhooks.ts';
import { apiHandler, ok, routeSpec } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'admin' });

/** GET /v1/webhooks */
export const makeHandler = (deps: Deps) => apiHandler(deps, spec, async ({ principal }) => ok(await listWebhooks(deps, principal)));
