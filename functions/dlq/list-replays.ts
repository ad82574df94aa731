import { listReplays, replaysQuerySchema } from '#domain/dlq.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'read', query: replaysQuerySchema });

/** GET /v1/replays — replay events, newest first: what a producer consumes (EventBridge in AWS). */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, query }) => ok(await listReplays(deps, principal, query)));
