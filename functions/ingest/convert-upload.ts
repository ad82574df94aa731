import type { Deps } from '#domain/ports.ts';
import { convertUpload } from '#domain/uploads.ts';
import { RUN_DIGEST_PREFIX } from '#domain/run-digest.ts';
import { buildRunDigest } from '#domain/run-digest-builder.ts';
import { lambdaDeps, lambdaJob } from '#http/lambda.ts';
import { PARQUET_WRITERS } from '#adapters/parquet-writers.ts';
import { log } from '#http/log.ts';
import { DuckDbBatchEngine } from '#adapters/duckdb-batch-engine.ts';
import { sweepDownloads } from '#adapters/s3-tracking-files.ts';

/** An S3 notification (local mode's s3rver) or an EventBridge "Object Created" event (AWS). */
export interface ObjectCreatedEvent {
  Records?: Array<{ s3: { object: { key: string } } }>;
  detail?: { object?: { key?: string } };
}

/** S3 notification keys are URL-encoded with `+` for spaces; EventBridge keys are not. */
export function uploadKeysOf(event: ObjectCreatedEvent): string[] {
  if (event.Records) return event.Records.map((r) => decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')));
  return event.detail?.object?.key ? [event.detail.object.key] : [];
}

/**
 * Converts uploaded NDJSON batches into parquet and counts, and builds the digests of finished
 * runs (`run-digest/…` keys, asked by completion on the same queue). Errors propagate, so the
 * platform retries (Lambda's asynchronous retries, then the dead-letter queue).
 */
export const makeHandler = (deps: Deps) => async (event: ObjectCreatedEvent) => {
  const outcomes: Record<string, string> = {};
  for (const key of uploadKeysOf(event)) {
    const started = Date.now();
    outcomes[key] = key.startsWith(RUN_DIGEST_PREFIX) ? await buildRunDigest(deps, key) : await convertUpload(deps, key);
    log('info', key.startsWith(RUN_DIGEST_PREFIX) ? 'run digest built' : 'upload converted', { key, outcome: outcomes[key], ms: Date.now() - started });
  }
  return outcomes;
};

let handle: ReturnType<typeof makeHandler> | undefined;
/** The converter ships DuckDB (linux-arm64): uploads are converted natively, in /tmp. */
export const handler = lambdaJob(async (event: ObjectCreatedEvent) => {
  if (!handle) {
    // A conversion that timed out left its copy of the upload and the engine's files in /tmp.
    const swept = await sweepDownloads();
    if (swept) log('info', 'removed what killed conversions left in /tmp', { folders: swept });
    handle = makeHandler({ ...lambdaDeps(PARQUET_WRITERS), batchEngine: new DuckDbBatchEngine() });
  }
  return handle(event);
});
