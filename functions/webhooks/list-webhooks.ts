import type { Deps } from '#domain/ports.ts';
import { listWebhooks } from '#domain/webhooks.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/webhooks */
export const makeHandler = (deps: Deps) => apiHandler(deps, specOf('webhooks/list-webhooks'), async ({ principal }) => ok(await listWebhooks(deps, principal)));
