import { dlqQuerySchema, listDlq } from '#domain/dlq.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { lambdaHandler } from '#http/lambda.ts';

/** GET /v1/dlq?syncId=&state= — dead-lettered records, newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, { auth: 'read', query: dlqQuerySchema }, async ({ principal, query }) => ok(await listDlq(deps, principal, query)));

export const handler = lambdaHandler(makeHandler);
