import type { Deps } from '#domain/ports.ts';
import { completeRun } from '#domain/run.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** POST /v1/runs/{runId}/complete — an empty body completes from the counted records. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('ingest/complete-run'), async ({ principal, body, params }) =>
    ok(await completeRun(deps, principal, params.runId, body)),
  );
