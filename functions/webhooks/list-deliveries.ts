import type { Deps } from '#domain/ports.ts';
import { webhookPath } from '#domain/webhook-entity.ts';
import { deliveriesQuerySchema, listDeliveries } from '#domain/webhooks.ts';
import { apiHandler, ok, routeSpec } from '#http/api-handler.ts';
import { pageRequest } from '#domain/paging.ts';

export const spec = routeSpec({ auth: 'admin', params: webhookPath, query: deliveriesQuerySchema });

/** GET /v1/webhooks/{webhookId}/deliveries — the delivery log, newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params, query }) => ok(await listDeliveries(deps, principal, params.webhookId, pageRequest(query))));
