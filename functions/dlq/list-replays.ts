import { listReplays, replaysQuerySchema } from '#domain/dlq.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { lambdaHandler } from '#http/lambda.ts';

/** GET /v1/replays — replay events, newest first: what a producer consumes (EventBridge in AWS). */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, { auth: 'read', query: replaysQuerySchema }, async ({ principal, query }) => ok(await listReplays(deps, principal, query)));

export const handler = lambdaHandler(makeHandler);
