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
import { spec as dlqReplayDlqItem } from './dlq/replay-dlq-item.ts';
import { spec as dlqDiscardDlqItem } from './dlq/discard-dlq-item.ts';
import { spec as dlqListReplays } from './dlq/list-replays.ts';

export const ROUTE_SPECS: Record<string, AnyRouteSpec> = {
  'admin/create-org': adminCreateOrg as AnyRouteSpec,
  'admin/create-key': adminCreateKey as AnyRouteSpec,
  'admin/revoke-key': adminRevokeKey as AnyRouteSpec,
  'webhooks/create-webhook': webhooksCreateWebhook as AnyRouteSpec,
  'webhooks/list-webhooks': webhooksListWebhooks as AnyRouteSpec,
  'webhooks/delete-webhook': webhooksDeleteWebhook as AnyRouteSpec,
  'webhooks/test-webhook': webhooksTestWebhook as AnyRouteSpec,
  'webhooks/list-deliveries': webhooksListDeliveries as AnyRouteSpec,
  'admin/put-alerts': adminPutAlerts as AnyRouteSpec,
  'query/get-alerts': queryGetAlerts as AnyRouteSpec,
  'ingest/put-sync': ingestPutSync as AnyRouteSpec,
  'ingest/start-run': ingestStartRun as AnyRouteSpec,
  'ingest/post-batch': ingestPostBatch as AnyRouteSpec,
  'ingest/complete-run': ingestCompleteRun as AnyRouteSpec,
  'ingest/post-lineage': ingestPostLineage as AnyRouteSpec,
  'ingest/request-upload': ingestRequestUpload as AnyRouteSpec,
  'query/list-batches': queryListBatches as AnyRouteSpec,
  'query/list-syncs': queryListSyncs as AnyRouteSpec,
  'query/get-sync': queryGetSync as AnyRouteSpec,
  'query/get-watermark': queryGetWatermark as AnyRouteSpec,
  'query/list-runs': queryListRuns as AnyRouteSpec,
  'query/get-run': queryGetRun as AnyRouteSpec,
  'query/list-destinations': queryListDestinations as AnyRouteSpec,
  'query/list-records': queryListRecords as AnyRouteSpec,
  'query/export-records': queryExportRecords as AnyRouteSpec,
  'query/get-run-errors': queryGetRunErrors as AnyRouteSpec,
  'query/get-coverage': queryGetCoverage as AnyRouteSpec,
  'query/get-identifier-timeline': queryGetIdentifierTimeline as AnyRouteSpec,
  'query/list-logs': queryListLogs as AnyRouteSpec,
  'query/get-log-facets': queryGetLogFacets as AnyRouteSpec,
  'query/get-stats': queryGetStats as AnyRouteSpec,
  'query/list-instances': queryListInstances as AnyRouteSpec,
  'query/get-instance': queryGetInstance as AnyRouteSpec,
  'query/list-audit': queryListAudit as AnyRouteSpec,
  'dlq/list-dlq': dlqListDlq as AnyRouteSpec,
  'dlq/replay-dlq-item': dlqReplayDlqItem as AnyRouteSpec,
  'dlq/discard-dlq-item': dlqDiscardDlqItem as AnyRouteSpec,
  'dlq/list-replays': dlqListReplays as AnyRouteSpec,
};
