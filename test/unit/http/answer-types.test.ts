/**
 * The answer schemas against the presenters' own return types, at compile time: each side is
 * assignable to the other, so a field added, renamed or retyped on either side fails tsc.
 */
import { describe, expect, it } from 'vitest';
import type { createKey, revokeKey } from '#domain/api-keys.ts';
import type { createOrg } from '#domain/org.ts';
import type { BatchResult } from '#domain/batch.ts';
import type { listRunBatches, requestUpload } from '#domain/uploads.ts';
import type { discardDlqItem, getDlqItem, listDlq, listReplays, replayDlqItem } from '#domain/dlq.ts';
import type { getSync, getWatermark, listDestinations, listSyncs, presentSync } from '#domain/sync.ts';
import type { getStats, getLogFacets, listInstances, getInstance } from '#domain/rollups.ts';
import type { getCoverage } from '#domain/coverage.ts';
import type { getRun, listRuns, presentRun } from '#domain/run.ts';
import type { groupErrors, listRecords } from '#domain/records.ts';
import type { listLogs } from '#domain/sync-logs.ts';
import type { listAudit } from '#domain/audit.ts';
import type { identifierTimeline } from '#domain/identifier-timeline.ts';
import type { createWebhook, deleteWebhook, listDeliveries, listWebhooks, testWebhook } from '#domain/webhooks.ts';
import type { getAlerts, putAlerts } from '#domain/alerts.ts';
import type { ingestLineageEvent } from '#domain/openlineage.ts';
import { ROUTE_ANSWERS, type AnswerOf } from '#http/answers/index.ts';

type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

interface PresenterAnswers {
  'admin/create-org': Answer<typeof createOrg>;
  'admin/create-key': Answer<typeof createKey>;
  'admin/revoke-key': Answer<typeof revokeKey>;
  'admin/put-alerts': Answer<typeof putAlerts>;
  'webhooks/create-webhook': Answer<typeof createWebhook>;
  'webhooks/list-webhooks': Answer<typeof listWebhooks>;
  'webhooks/delete-webhook': Answer<typeof deleteWebhook>;
  'webhooks/test-webhook': Answer<typeof testWebhook>;
  'webhooks/list-deliveries': Answer<typeof listDeliveries>;
  'ingest/put-sync': ReturnType<typeof presentSync>;
  'ingest/start-run': ReturnType<typeof presentRun> & { watermark?: { maxEventDate: string; runId: string } | null };
  'ingest/post-batch': BatchResult;
  'ingest/complete-run': ReturnType<typeof presentRun>;
  'ingest/post-lineage': Answer<typeof ingestLineageEvent>;
  'ingest/request-upload': Answer<typeof requestUpload>['body'];
  'query/list-batches': Answer<typeof listRunBatches>;
  'query/list-syncs': Answer<typeof listSyncs>;
  'query/get-sync': Answer<typeof getSync>;
  'query/get-watermark': Answer<typeof getWatermark>;
  'query/get-alerts': Answer<typeof getAlerts>;
  'query/list-runs': Answer<typeof listRuns>;
  'query/get-run': Answer<typeof getRun>;
  'query/list-destinations': Answer<typeof listDestinations>;
  'query/list-records': Answer<typeof listRecords>;
  'query/export-records': string;
  'query/get-run-errors': Answer<typeof groupErrors>;
  'query/get-coverage': Answer<typeof getCoverage>;
  'query/get-identifier-timeline': Answer<typeof identifierTimeline>;
  'query/list-logs': Answer<typeof listLogs>;
  'query/get-log-facets': Answer<typeof getLogFacets>;
  'query/get-stats': Answer<typeof getStats>;
  'query/list-instances': Answer<typeof listInstances>;
  'query/get-instance': Answer<typeof getInstance>;
  'query/list-audit': Answer<typeof listAudit>;
  'dlq/list-dlq': Answer<typeof listDlq>;
  'dlq/get-dlq-item': Answer<typeof getDlqItem>;
  'dlq/replay-dlq-item': Answer<typeof replayDlqItem>;
  'dlq/discard-dlq-item': Answer<typeof discardDlqItem>;
  'dlq/list-replays': Answer<typeof listReplays>;
}

type Mismatched = { [F in keyof PresenterAnswers]: Same<AnswerOf<F>, PresenterAnswers[F]> extends true ? never : F }[keyof PresenterAnswers];
// A route named here answers something its schema does not say (or the other way round).
const everyAnswerMatches: [Mismatched] extends [never] ? true : Mismatched = true;

describe('answer schemas', () => {
  it('match the presenters’ return types (checked by tsc) and cover every route', () => {
    expect(everyAnswerMatches).toBe(true);
    expect(Object.keys(ROUTE_ANSWERS).length).toBe(40);
  });
});
