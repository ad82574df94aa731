import type { Deps } from '#domain/ports.ts';
import { pageRequest } from '#domain/paging.ts';
import { listDestinations } from '#domain/sync.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { pageQuery } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'read', query: pageQuery });

/** GET /v1/destinations — each sync's destination status, last run and message. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, query }) => ok(await listDestinations(deps, principal, pageRequest(query))));
