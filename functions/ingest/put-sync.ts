import type { Deps } from '#domain/ports.ts';
import { putSync } from '#domain/sync.ts';
import { apiHandler, created, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** PUT /v1/syncs/{syncId} — 201 when created, 200 when updated or unchanged. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('ingest/put-sync'), async ({ principal, body, params }) => {
    const result = await putSync(deps, principal, params.syncId, body);
    return result.created ? created(result.sync) : ok(result.sync);
  });
