/**
 * What every route answers, by handler module and success status: zod schemas that the
 * OpenAPI document publishes, the typed client and the console infer their types from, and a
 * test checks real answers against.
 */
import * as z from 'zod';
import { auditPageAnswer, createKeyAnswer, createOrgAnswer, revokeKeyAnswer } from './admin.ts';
import { bulkDiscardedAnswer, bulkReplayedAnswer, dlqItemAnswer, dlqPageAnswer, replayedAnswer, replaysPageAnswer } from './dlq.ts';
import { exportAnswer, logsPageAnswer, recordsPageAnswer, runDiffAnswer, runDiffRecordsAnswer, runErrorsAnswer, timelineAnswer } from './records.ts';
import { facetsAnswer, instanceAnswer, instancesAnswer, statsAnswer } from './rollups.ts';
import { batchResultAnswer, coverageAnswer, lineageAnswer, listBatchesAnswer, runAnswer, runDetailAnswer, runsPageAnswer, startRunAnswer, uploadAnswer } from './runs.ts';
import { alertsAnswer, destinationsPageAnswer, syncAnswer, syncsPageAnswer, watermarkAnswer } from './syncs.ts';
import { createdWebhookAnswer, deletedWebhookAnswer, deliveriesAnswer, testWebhookAnswer, webhooksAnswer } from './webhooks.ts';

/** The OpenAPI document itself, as far as a client relies on it. */
export const openApiAnswer = z.looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) });

export const ROUTE_ANSWERS = {
  'admin/create-org': { 201: createOrgAnswer },
  'admin/create-key': { 201: createKeyAnswer },
  'admin/revoke-key': { 200: revokeKeyAnswer },
  'webhooks/create-webhook': { 201: createdWebhookAnswer },
  'webhooks/list-webhooks': { 200: webhooksAnswer },
  'webhooks/delete-webhook': { 200: deletedWebhookAnswer },
  'webhooks/test-webhook': { 200: testWebhookAnswer },
  'webhooks/list-deliveries': { 200: deliveriesAnswer },
  'admin/put-alerts': { 200: alertsAnswer },
  'query/get-alerts': { 200: alertsAnswer },
  'ingest/put-sync': { 200: syncAnswer, 201: syncAnswer },
  'ingest/start-run': { 200: startRunAnswer, 201: startRunAnswer },
  'ingest/post-batch': { 200: batchResultAnswer },
  'ingest/complete-run': { 200: runAnswer },
  'ingest/post-lineage': { 200: lineageAnswer },
  'ingest/request-upload': { 200: uploadAnswer, 201: uploadAnswer },
  'query/list-batches': { 200: listBatchesAnswer },
  'query/list-syncs': { 200: syncsPageAnswer },
  'query/get-sync': { 200: syncAnswer },
  'query/get-watermark': { 200: watermarkAnswer },
  'query/list-runs': { 200: runsPageAnswer },
  'query/get-run': { 200: runDetailAnswer },
  'query/list-destinations': { 200: destinationsPageAnswer },
  'query/list-records': { 200: recordsPageAnswer },
  'query/export-records': { 200: exportAnswer },
  'query/get-run-errors': { 200: runErrorsAnswer },
  'query/get-run-diff': { 200: runDiffAnswer },
  'query/list-run-diff-records': { 200: runDiffRecordsAnswer },
  'query/get-coverage': { 200: coverageAnswer },
  'query/get-identifier-timeline': { 200: timelineAnswer },
  'query/list-logs': { 200: logsPageAnswer },
  'query/get-log-facets': { 200: facetsAnswer },
  'query/get-stats': { 200: statsAnswer },
  'query/list-instances': { 200: instancesAnswer },
  'query/get-instance': { 200: instanceAnswer },
  'query/list-audit': { 200: auditPageAnswer },
  'dlq/list-dlq': { 200: dlqPageAnswer },
  'dlq/get-dlq-item': { 200: dlqItemAnswer },
  'dlq/replay-dlq-item': { 200: replayedAnswer },
  'dlq/discard-dlq-item': { 200: dlqItemAnswer },
  'dlq/bulk-replay-dlq': { 200: bulkReplayedAnswer },
  'dlq/bulk-discard-dlq': { 200: bulkDiscardedAnswer },
  'meta/get-openapi': { 200: openApiAnswer },
  'dlq/list-replays': { 200: replaysPageAnswer },
} as const satisfies Record<string, Partial<Record<200 | 201, z.ZodType>>>;

export type AnswerMap = typeof ROUTE_ANSWERS;
type Values<T> = T[keyof T];
/** What a route answers on success (any of its 2xx statuses), as JSON. */
export type AnswerOf<F extends keyof AnswerMap> = z.output<Values<AnswerMap[F]> & z.ZodType>;
