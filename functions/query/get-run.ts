import type { Deps } from '#domain/ports.ts';
import { getRun } from '#domain/run.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/runs/{runId} — counters, coverage rate, batches and status message. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/get-run'), async ({ principal, params }) => ok(await getRun(deps, principal, params.runId)));
