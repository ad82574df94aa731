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
import type { AnswerMap, AnswerOf } from '#http/answers/index.ts';

/** What each route answers, by handler module: inferred from its answer schema. */
export type ApiAnswers = { [F in keyof AnswerMap]: AnswerOf<F> };
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
