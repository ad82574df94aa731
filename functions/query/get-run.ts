import type { Deps } from '#domain/ports.ts';
import { getRun } from '#domain/run.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { lambdaHandler } from '#http/lambda.ts';
import { runPath } from '#http/schemas.ts';

/** GET /v1/runs/{runId} — counters, coverage rate, batches and status message. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, { auth: 'read', params: runPath }, async ({ principal, params }) => ok(await getRun(deps, principal, params.runId)));

export const handler = lambdaHandler(makeHandler);
