import type { Deps } from '#domain/ports.ts';
import { listDeliveries } from '#domain/webhooks.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { pageRequest } from '#domain/paging.ts';
import { specOf } from '../routes.ts';

/** GET /v1/webhooks/{webhookId}/deliveries — the delivery log, newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('webhooks/list-deliveries'), async ({ principal, params, query }) => ok(await listDeliveries(deps, principal, params.webhookId, pageRequest(query))));
