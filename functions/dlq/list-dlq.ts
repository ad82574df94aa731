import { dlqQuerySchema } from '#domain/dlq-entity.ts';
import { listDlq } from '#domain/dlq.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'read', query: dlqQuerySchema });

/** GET /v1/dlq?syncId=&state= — dead-lettered records, newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, query }) => ok(await listDlq(deps, principal, query)));
