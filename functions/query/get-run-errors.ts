import type { Deps } from '#domain/ports.ts';
import { groupErrors } from '#domain/records.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { lambdaHandler } from '#http/lambda.ts';
import { runPath } from '#http/schemas.ts';

/** GET /v1/runs/{runId}/errors — failures grouped by message, with category and resolution. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, { auth: 'read', params: runPath }, async ({ principal, params }) => ok(await groupErrors(deps, principal, params.runId)));

export const handler = lambdaHandler(makeHandler);
