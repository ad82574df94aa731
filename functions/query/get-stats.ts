import type { Deps } from '#domain/ports.ts';
import { getStats } from '#domain/rollups.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/stats — total operations, success, partial success, failed, success rate. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/get-stats'), async ({ principal, query }) => ok(await getStats(deps, principal, query)));
