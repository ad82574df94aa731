import type { Deps } from '#domain/ports.ts';
import { exportRecords } from '#domain/records.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/runs/{runId}/records/export — a CSV or NDJSON sample, as a download. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/export-records'), async ({ principal, params, query }) => {
    const file = await exportRecords(deps, principal, params.runId, query);
    return {
      ...ok(file.body),
      contentType: file.contentType,
      headers: { 'content-disposition': `attachment; filename="${file.filename}"`, 'x-synctrail-rows': String(file.rows) },
    };
  });
