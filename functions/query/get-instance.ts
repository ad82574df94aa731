import type { Deps } from '#domain/ports.ts';
import { getInstance, instancePath, instanceRunsQuerySchema } from '#domain/rollups.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'read', params: instancePath, query: instanceRunsQuerySchema });

/** GET /v1/instances/{instance} — one instance's totals and runs, newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params, query }) =>
    ok(await getInstance(deps, principal, params.instance, query)),
  );
