import { batchRequestSchema, postBatch } from '#domain/batch.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { emitMetrics } from '#http/metrics.ts';
import { runPath } from '#http/schemas.ts';

/**
 * Lambda takes at most 6 MB per synchronous invocation, event envelope included; 5 MiB of
 * body leaves room for it. Larger batches go through a pre-signed upload.
 */
export const INLINE_BATCH_MAX_BYTES = 5 * 1024 * 1024;

export const spec = routeSpec({
      auth: 'ingest',
      body: batchRequestSchema,
      params: runPath,
      maxBodyBytes: INLINE_BATCH_MAX_BYTES,
      tooLargeHint: (event) => {
        const uploads = `/v1/runs/${event.pathParameters?.runId ?? '{runId}'}/uploads`;
        return {
          message: `an inline batch may be at most ${INLINE_BATCH_MAX_BYTES} bytes; send larger batches as NDJSON through POST ${uploads}`,
          details: { uploadEndpoint: uploads },
        };
      },
    });

/** POST /v1/runs/{runId}/batches */
export const makeHandler = (deps: Deps) =>
  apiHandler(
    deps,
    spec,
    async ({ principal, body, params }) => {
      const result = await postBatch(deps, principal, params.runId, body);
      emitMetrics({ RecordsReceived: result.received, RecordsFailed: result.failed, Batches: 1 });
      return ok(result);
    },
  );
