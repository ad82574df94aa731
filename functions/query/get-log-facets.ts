import type { Deps } from '#domain/ports.ts';
import { getLogFacets } from '#domain/rollups.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/logs/facets?instance= — instances, and the entity types that follow the chosen one. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/get-log-facets'), async ({ principal, query }) => ok(await getLogFacets(deps, principal, query)));
