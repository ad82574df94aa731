import type { Deps } from '#domain/ports.ts';
import { listRuns } from '#domain/run.ts';
import { runQuerySchema } from '#domain/run-schemas.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'read', query: runQuerySchema });

/** GET /v1/runs — Sync History, newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, query }) => ok(await listRuns(deps, principal, query)));
