import type { Deps } from '#domain/ports.ts';
import { pageRequest } from '#domain/paging.ts';
import { listDestinations } from '#domain/sync.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/destinations — each sync's destination status, last run and message. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/list-destinations'), async ({ principal, query }) => ok(await listDestinations(deps, principal, pageRequest(query))));
