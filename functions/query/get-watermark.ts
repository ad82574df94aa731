import type { Deps } from '#domain/ports.ts';
import { getWatermark } from '#domain/sync.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/syncs/{syncId}/watermark — where a signal sync's next run should read from. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/get-watermark'), async ({ principal, params }) => ok(await getWatermark(deps, principal, params.syncId)));
