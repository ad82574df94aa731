import { discardDlqItem } from '#domain/dlq.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** POST /v1/dlq/{itemId}/discard — 409 unless pending. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('dlq/discard-dlq-item'), async ({ principal, params }) => ok(await discardDlqItem(deps, principal, params.itemId)));
