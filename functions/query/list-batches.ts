import type { Deps } from '#domain/ports.ts';
import { listRunBatches } from '#domain/uploads.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { runPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'read', params: runPath });

/** GET /v1/runs/{runId}/batches — every batch: pending, done or failed (with the bad lines of a failed upload). */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params }) => ok(await listRunBatches(deps, principal, params.runId)));
