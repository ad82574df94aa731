import type { Deps } from '#domain/ports.ts';
import { getSync } from '#domain/sync.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/syncs/{syncId} */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/get-sync'), async ({ principal, params }) => ok(await getSync(deps, principal, params.syncId)));
