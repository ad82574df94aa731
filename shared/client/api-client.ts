/**
 * A typed client for the whole API, derived from the same zod schemas the handlers validate
 * with (inputs) and the domain's presenters (answers): `client.call('query/list-runs', {
 * query: { status: 'error' } })` is checked against the route's schema at compile time.
 * Types only come from the server code; at run time this module needs just the route table.
 */
import type * as z from 'zod';
import type { RouteSpec } from '#http/api-handler.ts';
import type { ROUTE_SPEC_MAP } from '../../functions/route-specs.ts';
import { ROUTES } from '../../functions/routes.ts';
import { ApiError } from './api-error.ts';
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
import type { apiDocument } from '../../functions/meta/get-openapi.ts';

type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

/** What each route answers, by handler module. */
export interface ApiAnswers {
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
  'meta/get-openapi': ReturnType<typeof apiDocument>;
}
// Keeps the answer map and the routes in step: a route without an answer type fails to compile.
type _EveryRouteAnswered = Exclude<keyof typeof ROUTE_SPEC_MAP | 'meta/get-openapi', keyof ApiAnswers> extends never ? true : never;
const _everyRouteAnswered: _EveryRouteAnswered = true;
void _everyRouteAnswered;

export type RouteName = keyof ApiAnswers;

type Part<S> = S extends z.ZodType ? z.input<S> : never;
type SpecOf<R extends RouteName> = R extends keyof typeof ROUTE_SPEC_MAP ? (typeof ROUTE_SPEC_MAP)[R] : RouteSpec<undefined, undefined, undefined>;
type Parts<S> = S extends RouteSpec<infer B, infer Q, infer P> ? { body: Part<B>; query: Part<Q>; params: Part<P> } : never;
type Field<S, K extends 'body' | 'query' | 'params'> = Parts<S>[K];

/** What a call takes: the path parameters, query and body the route's schemas accept. */
export type CallInput<R extends RouteName> = ([Field<SpecOf<R>, 'params'>] extends [never] ? { params?: never } : { params: Field<SpecOf<R>, 'params'> }) &
  ([Field<SpecOf<R>, 'query'>] extends [never] ? { query?: never } : { query?: Field<SpecOf<R>, 'query'> }) &
  ([Field<SpecOf<R>, 'body'>] extends [never] ? { body?: never } : { body: Field<SpecOf<R>, 'body'> });

export { ApiError };

export interface ClientOptions {
  baseUrl: string;
  key?: string;
  fetch?: typeof fetch;
  /** Throttling, 5xx and network failures are retried this many times, with backoff. */
  retries?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ROUTE_BY_FN = new Map(ROUTES.map((route) => [route.fn, route]));

export class SyncTrailClient {
  private readonly fetchImpl: typeof fetch;
  readonly baseUrl: string;

  constructor(private readonly options: ClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** The URL of a route with its path parameters filled in (encoded) and its query. */
  url<R extends RouteName>(name: R, input: { params?: object; query?: object } = {}): string {
    const route = ROUTE_BY_FN.get(name);
    if (!route) throw new Error(`no route ${name}`);
    const params = (input.params ?? {}) as Record<string, string>;
    const path = route.path.replace(/\{(\w+)\}/g, (_m, key: string) => {
      if (params[key] === undefined) throw new Error(`${name} needs the path parameter ${key}`);
      return encodeURIComponent(String(params[key]));
    });
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries((input.query ?? {}) as Record<string, unknown>)) if (value !== undefined && value !== null) search.set(key, String(value));
    const query = search.toString();
    return `${this.baseUrl}${path}${query ? `?${query}` : ''}`;
  }

  /** Calls one route; answers its parsed JSON (or text, for exports), or throws ApiError. */
  async call<R extends RouteName>(name: R, ...args: CallInput<R> extends { params?: never; query?: never; body?: never } ? [input?: CallInput<R>] : [input: CallInput<R>]): Promise<ApiAnswers[R]> {
    const input = (args[0] ?? {}) as { params?: object; query?: object; body?: unknown };
    const route = ROUTE_BY_FN.get(name)!;
    const url = this.url(name, input);
    const retries = this.options.retries ?? 3;
    for (let attempt = 0; ; attempt += 1) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method: route.method,
          headers: { ...(this.options.key ? { authorization: `Bearer ${this.options.key}` } : {}), ...(input.body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(input.body === undefined ? {} : { body: JSON.stringify(input.body) }),
        });
      } catch (error) {
        if (attempt < retries) {
          await sleep(200 * 2 ** attempt + Math.random() * 100);
          continue;
        }
        throw new ApiError(0, 'network', `SyncTrail at ${this.baseUrl} did not answer: ${(error as Error).message}`);
      }
      const text = await response.text();
      if (response.ok) return (route.produces ? text : text ? JSON.parse(text) : undefined) as ApiAnswers[R];
      if ((response.status === 429 || response.status >= 500) && attempt < retries) {
        await sleep(200 * 2 ** attempt + Math.random() * 100);
        continue;
      }
      let error: { code?: string; message?: string; details?: unknown } = {};
      try {
        error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
      } catch {
        // not JSON: the status says it
      }
      throw new ApiError(response.status, error.code ?? 'http_error', error.message ?? `${route.method} ${route.path} answered ${response.status}`, error.details ?? null);
    }
  }
}
