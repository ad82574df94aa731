import { replayDlqItem } from '#domain/dlq.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** POST /v1/dlq/{itemId}/replay — emits a replay event for the producer; 409 unless pending. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('dlq/replay-dlq-item'), async ({ principal, params }) => ok(await replayDlqItem(deps, principal, params.itemId)));
