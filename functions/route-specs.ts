/**
 * Every route's spec by handler module, imported statically so one bundle carries them:
 * the OpenAPI document is generated from these (a test keeps this list and ROUTES in step).
 */
import type { AnyRouteSpec } from '#http/api-handler.ts';
import { spec as adminCreateOrg } from './admin/create-org.ts';
import { spec as adminCreateKey } from './admin/create-key.ts';
import { spec as adminRevokeKey } from './admin/revoke-key.ts';
import { spec as webhooksCreateWebhook } from './webhooks/create-webhook.ts';
import { spec as webhooksListWebhooks } from './webhooks/list-webhooks.ts';
import { spec as webhooksDeleteWebhook } from './webhooks/delete-webhook.ts';
import { spec as webhooksTestWebhook } from './webhooks/test-webhook.ts';
import { spec as webhooksListDeliveries } from './webhooks/list-deliveries.ts';
import { spec as adminPutAlerts } from './admin/put-alerts.ts';
import { spec as queryGetAlerts } from './query/get-alerts.ts';
import { spec as ingestPutSync } from './ingest/put-sync.ts';
import { spec as ingestStartRun } from './ingest/start-run.ts';
import { spec as ingestPostBatch } from './ingest/post-batch.ts';
import { spec as ingestCompleteRun } from './ingest/complete-run.ts';
import { spec as ingestPostLineage } from './ingest/post-lineage.ts';
import { spec as ingestRequestUpload } from './ingest/request-upload.ts';
import { spec as queryListBatches } from './query/list-batches.ts';
import { spec as queryListSyncs } from './query/list-syncs.ts';
import { spec as queryGetSync } from './query/get-sync.ts';
import { spec as queryGetWatermark } from './query/get-watermark.ts';
import { spec as queryListRuns } from './query/list-runs.ts';
import { spec as queryGetRun } from './query/get-run.ts';
import { spec as queryListDestinations } from './query/list-destinations.ts';
import { spec as queryListRecords } from './query/list-records.ts';
import { spec as queryExportRecords } from './query/export-records.ts';
import { spec as queryGetRunErrors } from './query/get-run-errors.ts';
import { spec as queryGetCoverage } from './query/get-coverage.ts';
import { spec as queryGetIdentifierTimeline } from './query/get-identifier-timeline.ts';
import { spec as queryListLogs } from './query/list-logs.ts';
import { spec as queryGetLogFacets } from './query/get-log-facets.ts';
import { spec as queryGetStats } from './query/get-stats.ts';
import { spec as queryListInstances } from './query/list-instances.ts';
import { spec as queryGetInstance } from './query/get-instance.ts';
import { spec as queryListAudit } from './query/list-audit.ts';
import { spec as dlqListDlq } from './dlq/list-dlq.ts';
import { spec as dlqGetDlqItem } from './dlq/get-dlq-item.ts';
import { spec as dlqReplayDlqItem } from './dlq/replay-dlq-item.ts';
import { spec as dlqDiscardDlqItem } from './dlq/discard-dlq-item.ts';
import { spec as dlqListReplays } from './dlq/list-replays.ts';

/** Each route's spec with its own types (the typed client reads them). */
export const ROUTE_SPEC_MAP = {
  'admin/create-org': adminCreateOrg,
  'admin/create-key': adminCreateKey,
  'admin/revoke-key': adminRevokeKey,
  'webhooks/create-webhook': webhooksCreateWebhook,
  'webhooks/list-webhooks': webhooksListWebhooks,
  'webhooks/delete-webhook': webhooksDeleteWebhook,
  'webhooks/test-webhook': webhooksTestWebhook,
  'webhooks/list-deliveries': webhooksListDeliveries,
  'admin/put-alerts': adminPutAlerts,
  'query/get-alerts': queryGetAlerts,
  'ingest/put-sync': ingestPutSync,
  'ingest/start-run': ingestStartRun,
  'ingest/post-batch': ingestPostBatch,
  'ingest/complete-run': ingestCompleteRun,
  'ingest/post-lineage': ingestPostLineage,
  'ingest/request-upload': ingestRequestUpload,
  'query/list-batches': queryListBatches,
  'query/list-syncs': queryListSyncs,
  'query/get-sync': queryGetSync,
  'query/get-watermark': queryGetWatermark,
  'query/list-runs': queryListRuns,
  'query/get-run': queryGetRun,
  'query/list-destinations': queryListDestinations,
  'query/list-records': queryListRecords,
  'query/export-records': queryExportRecords,
  'query/get-run-errors': queryGetRunErrors,
  'query/get-coverage': queryGetCoverage,
  'query/get-identifier-timeline': queryGetIdentifierTimeline,
  'query/list-logs': queryListLogs,
  'query/get-log-facets': queryGetLogFacets,
  'query/get-stats': queryGetStats,
  'query/list-instances': queryListInstances,
  'query/get-instance': queryGetInstance,
  'query/list-audit': queryListAudit,
  'dlq/list-dlq': dlqListDlq,
  'dlq/get-dlq-item': dlqGetDlqItem,
  'dlq/replay-dlq-item': dlqReplayDlqItem,
  'dlq/discard-dlq-item': dlqDiscardDlqItem,
  'dlq/list-replays': dlqListReplays,
} as const;

export const ROUTE_SPECS: Record<string, AnyRouteSpec> = ROUTE_SPEC_MAP as unknown as Record<string, AnyRouteSpec>;
