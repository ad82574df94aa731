import type { Deps } from '#domain/ports.ts';
import { webhookPath } from '#domain/webhook-entity.ts';
import { testWebhook } from '#domain/webhooks.ts';
import { apiHandler, ok, routeSpec } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'admin', params: webhookPath });

/** POST /v1/webhooks/{webhookId}/test — a signed test event now; answers its first attempt (within 8 s) and whether retries were queued. */
export const makeHandler = (deps: Deps) => apiHandler(deps, spec, async ({ principal, params }) => ok(await testWebhook(deps, principal, params.webhookId)));
