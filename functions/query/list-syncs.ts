import type { Deps } from '#domain/ports.ts';
import { pageRequest } from '#domain/paging.ts';
import { listSyncs } from '#domain/sync.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/syncs */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/list-syncs'), async ({ principal, query }) => ok(await listSyncs(deps, principal, pageRequest(query))));
