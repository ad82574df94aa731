import type { Deps } from '#domain/ports.ts';
import { createWebhook } from '#domain/webhooks.ts';
import { apiHandler, created } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** POST /v1/webhooks — a signed (synctrail) one answers its signing secret, this once. */
export const makeHandler = (deps: Deps) => apiHandler(deps, specOf('webhooks/create-webhook'), async ({ principal, body }) => created(await createWebhook(deps, principal, body)));
