import type { Deps } from '#domain/ports.ts';
import { requestUpload } from '#domain/uploads.ts';
import { apiHandler, created, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** POST /v1/runs/{runId}/uploads — a pre-signed PUT for a large batch as NDJSON (201), or the result of one already counted (200). */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('ingest/request-upload'), async ({ principal, body, params }) => {
    const result = await requestUpload(deps, principal, params.runId, body);
    return result.created ? created(result.body) : ok(result.body);
  });
