import { lambdaHandler } from '#http/lambda.ts';
import { makeHandler as getDlqItem } from '../dlq/get-dlq-item.ts';
import { makeHandler as listDlq } from '../dlq/list-dlq.ts';
import { makeHandler as listReplays } from '../dlq/list-replays.ts';
import { makeHandler as getOpenapi } from '../meta/get-openapi.ts';
import { makeHandler as exportRecords } from '../query/export-records.ts';
import { makeHandler as getAlerts } from '../query/get-alerts.ts';
import { makeHandler as getCoverage } from '../query/get-coverage.ts';
import { makeHandler as getIdentifierTimeline } from '../query/get-identifier-timeline.ts';
import { makeHandler as getInstance } from '../query/get-instance.ts';
import { makeHandler as getLogFacets } from '../query/get-log-facets.ts';
import { makeHandler as getRun } from '../query/get-run.ts';
import { makeHandler as getRunErrors } from '../query/get-run-errors.ts';
import { makeHandler as getRunDiff } from '../query/get-run-diff.ts';
import { makeHandler as listRunDiffRecords } from '../query/list-run-diff-records.ts';
import { makeHandler as getStats } from '../query/get-stats.ts';
import { makeHandler as getSync } from '../query/get-sync.ts';
import { makeHandler as getWatermark } from '../query/get-watermark.ts';
import { makeHandler as listAudit } from '../query/list-audit.ts';
import { makeHandler as listBatches } from '../query/list-batches.ts';
import { makeHandler as listDestinations } from '../query/list-destinations.ts';
import { makeHandler as listInstances } from '../query/list-instances.ts';
import { makeHandler as listLogs } from '../query/list-logs.ts';
import { makeHandler as listRecords } from '../query/list-records.ts';
import { makeHandler as listRuns } from '../query/list-runs.ts';
import { makeHandler as listSyncs } from '../query/list-syncs.ts';
import { makeHandler as listDeliveries } from '../webhooks/list-deliveries.ts';
import { makeHandler as listWebhooks } from '../webhooks/list-webhooks.ts';
import { apiRouter } from './router.ts';

/**
 * The query API: every route that only reads (Sync History, destinations, records, Sync Logs,
 * stats, audit, dead letters, webhooks' delivery logs, the OpenAPI document). Its role reads the
 * table and the tracking bucket and can write neither.
 */
export const makeHandler = apiRouter('query', {
  'webhooks/list-webhooks': listWebhooks,
  'webhooks/list-deliveries': listDeliveries,
  'query/get-alerts': getAlerts,
  'query/list-batches': listBatches,
  'query/list-syncs': listSyncs,
  'query/get-sync': getSync,
  'query/get-watermark': getWatermark,
  'query/list-runs': listRuns,
  'query/get-run': getRun,
  'query/list-destinations': listDestinations,
  'query/list-records': listRecords,
  'query/export-records': exportRecords,
  'query/get-run-errors': getRunErrors,
  'query/get-run-diff': getRunDiff,
  'query/list-run-diff-records': listRunDiffRecords,
  'query/get-coverage': getCoverage,
  'query/get-identifier-timeline': getIdentifierTimeline,
  'query/list-logs': listLogs,
  'query/get-log-facets': getLogFacets,
  'query/get-stats': getStats,
  'query/list-instances': listInstances,
  'query/get-instance': getInstance,
  'query/list-audit': listAudit,
  'dlq/list-dlq': listDlq,
  'dlq/get-dlq-item': getDlqItem,
  'meta/get-openapi': getOpenapi,
  'dlq/list-replays': listReplays,
});

export const handler = lambdaHandler(makeHandler);
