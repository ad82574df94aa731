import type { Deps } from '#domain/ports.ts';
import { webhookPath } from '#domain/webhook-entity.ts';
import { deleteWebhook } from '#domain/webhooks.ts';
import { apiHandler, ok, routeSpec } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'admin', params: webhookPath });

/** DELETE /v1/webhooks/{webhookId} */
export const makeHandler = (deps: Deps) => apiHandler(deps, spec, async ({ principal, params }) => ok(await deleteWebhook(deps, principal, params.webhookId)));
