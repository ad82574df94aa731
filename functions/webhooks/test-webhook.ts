import type { Deps } from '#domain/ports.ts';
import { testWebhook } from '#domain/webhooks.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** POST /v1/webhooks/{webhookId}/test — a test event now, in the webhook's format; answers its first attempt (within 8 s) and whether retries were queued. */
export const makeHandler = (deps: Deps) => apiHandler(deps, specOf('webhooks/test-webhook'), async ({ principal, params }) => ok(await testWebhook(deps, principal, params.webhookId)));
