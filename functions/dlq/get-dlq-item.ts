import { getDlqItem } from '#domain/dlq.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { dlqItemPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'read', params: dlqItemPath });

/**
 * GET /v1/dlq/{itemId} — one dead-lettered record with its whole payload, read from its
 * batch file when the item holds only a preview (`payloadAvailable: false` once that file
 * is past the records' retention).
 */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params }) => ok(await getDlqItem(deps, principal, params.itemId)));
