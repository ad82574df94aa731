import { lambdaHandler } from '#http/lambda.ts';
import { PARQUET_WRITERS } from '#adapters/parquet-writers.ts';
import { makeHandler as completeRun } from '../ingest/complete-run.ts';
import { makeHandler as postBatch } from '../ingest/post-batch.ts';
import { makeHandler as postLineage } from '../ingest/post-lineage.ts';
import { makeHandler as putSync } from '../ingest/put-sync.ts';
import { makeHandler as requestUpload } from '../ingest/request-upload.ts';
import { makeHandler as startRun } from '../ingest/start-run.ts';
import { apiRouter } from './router.ts';

/**
 * The ingest API: what producers send (syncs, runs, batches, completion, uploads, OpenLineage).
 * It may write the table and the tracking bucket, register Glue partitions, put events on the
 * bus, sign upload URLs and write Athena manifests.
 */
export const makeHandler = apiRouter('ingest', {
  'ingest/put-sync': putSync,
  'ingest/start-run': startRun,
  'ingest/post-batch': postBatch,
  'ingest/complete-run': completeRun,
  'ingest/post-lineage': postLineage,
  'ingest/request-upload': requestUpload,
});

/** Ingest writes the batch files: it is given the parquet writers. */
export const handler = lambdaHandler(makeHandler, PARQUET_WRITERS);
