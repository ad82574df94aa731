import type { Deps } from '#domain/ports.ts';
import { listRecords, recordsQuerySchema } from '#domain/records.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { runPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'read', params: runPath, query: recordsQuerySchema });

/** GET /v1/runs/{runId}/records — row-level records, read from the run's parquet files. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params, query }) =>
    ok(await listRecords(deps, principal, params.runId, query)),
  );
