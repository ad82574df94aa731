import { getCoverage } from '#domain/coverage.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { lambdaHandler } from '#http/lambda.ts';
import { syncPath } from '#http/schemas.ts';

/** GET /v1/syncs/{syncId}/coverage — coverage over the last runs, and whether it stays low. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, { auth: 'read', params: syncPath }, async ({ principal, params }) => ok(await getCoverage(deps, principal, params.syncId)));

export const handler = lambdaHandler(makeHandler);
