import { getDlqItem } from '#domain/dlq.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/**
 * GET /v1/dlq/{itemId} — one dead-lettered record with its whole payload, read from its
 * batch file when the item holds only a preview (`payloadAvailable: false` once that file
 * is past the records' retention).
 */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('dlq/get-dlq-item'), async ({ principal, params }) => ok(await getDlqItem(deps, principal, params.itemId)));
