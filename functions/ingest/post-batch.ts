import { postBatch } from '#domain/batch.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { emitMetrics } from '#http/metrics.ts';
import { specOf } from '../routes.ts';

/** POST /v1/runs/{runId}/batches */
export const makeHandler = (deps: Deps) =>
  apiHandler(
    deps,
    specOf('ingest/post-batch'),
    async ({ principal, body, params }) => {
      const result = await postBatch(deps, principal, params.runId, body);
      emitMetrics({ RecordsReceived: result.received, RecordsFailed: result.failed, Batches: 1 });
      return ok(result);
    },
  );
