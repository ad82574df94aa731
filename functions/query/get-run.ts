import type { Deps } from '#domain/ports.ts';
import { getRun } from '#domain/run.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { runPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'read', params: runPath });

/** GET /v1/runs/{runId} — counters, coverage rate, batches and status message. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params }) => ok(await getRun(deps, principal, params.runId)));
