import type { Deps } from '#domain/ports.ts';
import { exportQuerySchema, exportRecords } from '#domain/records.ts';
import { apiHandler, ok, routeSpec } from '#http/api-handler.ts';
import { runPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'read', params: runPath, query: exportQuerySchema });

/** GET /v1/runs/{runId}/records/export — a CSV or NDJSON sample, as a download. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params, query }) => {
    const file = await exportRecords(deps, principal, params.runId, query);
    return {
      ...ok(file.body),
      contentType: file.contentType,
      headers: { 'content-disposition': `attachment; filename="${file.filename}"`, 'x-synctrail-rows': String(file.rows) },
    };
  });
