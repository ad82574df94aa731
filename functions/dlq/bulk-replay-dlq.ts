import { bulkReplayDlq } from '#domain/dlq-bulk.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** POST /v1/dlq/replay — replays (or, on a dry run, counts) the pending items a filter matches, at most 1,000 a request. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('dlq/bulk-replay-dlq'), async ({ principal, body }) => ok(await bulkReplayDlq(deps, principal, body)));
