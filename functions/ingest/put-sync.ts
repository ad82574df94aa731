import type { Deps } from '#domain/ports.ts';
import { putSync } from '#domain/sync.ts';
import { syncConfigSchema } from '#domain/sync-entity.ts';
import { apiHandler, routeSpec, created, ok } from '#http/api-handler.ts';
import { syncPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'ingest', body: syncConfigSchema, params: syncPath });

/** PUT /v1/syncs/{syncId} — 201 when created, 200 when updated or unchanged. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, body, params }) => {
    const result = await putSync(deps, principal, params.syncId, body);
    return result.created ? created(result.sync) : ok(result.sync);
  });
