import type { Deps } from '#domain/ports.ts';
import { completeRun } from '#domain/run.ts';
import { completeRunRequestSchema } from '#domain/run-schemas.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { runPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'ingest', body: completeRunRequestSchema, bodyOptional: true, params: runPath });

/** POST /v1/runs/{runId}/complete — an empty body completes from the counted records. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, body, params }) =>
    ok(await completeRun(deps, principal, params.runId, body)),
  );
