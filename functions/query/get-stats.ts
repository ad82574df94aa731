import type { Deps } from '#domain/ports.ts';
import { getStats, statsQuerySchema } from '#domain/rollups.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { lambdaHandler } from '#http/lambda.ts';

/** GET /v1/stats — total operations, success, partial success, failed, success rate. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, { auth: 'read', query: statsQuerySchema }, async ({ principal, query }) => ok(await getStats(deps, principal, query)));

export const handler = lambdaHandler(makeHandler);
