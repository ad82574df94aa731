import type { Deps } from '#domain/ports.ts';
import { listRecords } from '#domain/records.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/runs/{runId}/records — row-level records, read from the run's parquet files. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/list-records'), async ({ principal, params, query }) =>
    ok(await listRecords(deps, principal, params.runId, query)),
  );
