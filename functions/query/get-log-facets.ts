import type { Deps } from '#domain/ports.ts';
import { facetsQuerySchema, getLogFacets } from '#domain/rollups.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'read', query: facetsQuerySchema });

/** GET /v1/logs/facets?instance= — instances, and the entity types that follow the chosen one. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, query }) => ok(await getLogFacets(deps, principal, query)));
