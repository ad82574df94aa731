import { discardDlqItem } from '#domain/dlq.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { dlqItemPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'ingest', params: dlqItemPath });

/** POST /v1/dlq/{itemId}/discard — 409 unless pending. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params }) => ok(await discardDlqItem(deps, principal, params.itemId)));
