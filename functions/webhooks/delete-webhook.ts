import type { Deps } from '#domain/ports.ts';
import { deleteWebhook } from '#domain/webhooks.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** DELETE /v1/webhooks/{webhookId} */
export const makeHandler = (deps: Deps) => apiHandler(deps, specOf('webhooks/delete-webhook'), async ({ principal, params }) => ok(await deleteWebhook(deps, principal, params.webhookId)));
