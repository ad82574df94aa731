import type { Deps } from '#domain/ports.ts';
import { createWebhook, createWebhookSchema } from '#domain/webhooks.ts';
import { apiHandler, created, routeSpec } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'admin', body: createWebhookSchema });

/** POST /v1/webhooks — the answer carries the signing secret, this once. */
export const makeHandler = (deps: Deps) => apiHandler(deps, spec, async ({ principal, body }) => created(await createWebhook(deps, principal, body)));
