import type { Deps } from '#domain/ports.ts';
import { getWatermark } from '#domain/sync.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { syncPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'read', params: syncPath });

/** GET /v1/syncs/{syncId}/watermark — where a signal sync's next run should read from. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params }) => ok(await getWatermark(deps, principal, params.syncId)));
