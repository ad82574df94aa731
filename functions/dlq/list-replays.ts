import { listReplays } from '#domain/dlq.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/replays — replay events, newest first: what a producer consumes (EventBridge in AWS). */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('dlq/list-replays'), async ({ principal, query }) => ok(await listReplays(deps, principal, query)));
