/**
 * A typed client for the whole API, derived from the same zod schemas the handlers validate
 * with (inputs) and the domain's presenters (answers): `client.call('query/list-runs', {
 * query: { status: 'error' } })` is checked against the route's schema at compile time.
 * Types only come from the server code; at run time this module needs just the route table
 * (`functions/routes.ts`, which holds the request schemas: loading the client loads zod).
 */
import type * as z from 'zod';
import type { RouteSpec } from '#http/api-handler.ts';
import { ROUTES, type RouteFn, type SpecFn, type SpecOf as RouteSpecOf } from '../../functions/routes.ts';
import { ApiError } from './api-error.ts';
import type { AnswerMap, AnswerOf } from '#http/answers/index.ts';

/** What each route answers, by handler module: inferred from its answer schema. */
export type ApiAnswers = { [F in keyof AnswerMap]: AnswerOf<F> };
// Keeps the answer map and the routes in step: a route without an answer type fails to compile.
type _EveryRouteAnswered = Exclude<RouteFn, keyof ApiAnswers> extends never ? true : never;
const _everyRouteAnswered: _EveryRouteAnswered = true;
void _everyRouteAnswered;

export type RouteName = keyof ApiAnswers;

type Part<S> = S extends z.ZodType ? z.input<S> : never;
type SpecOf<R extends RouteName> = R extends SpecFn ? RouteSpecOf<R> : RouteSpec<undefined, undefined, undefined>;
/** A schema the spec declares (an absent one is `never`: the call takes none). */
type Field<S, K extends 'body' | 'query' | 'params'> = S extends { readonly [P in K]: infer T } ? Part<T> : never;

/** What a call takes: the path parameters, query and body the route's schemas accept. */
export type CallInput<R extends RouteName> = ([Field<SpecOf<R>, 'params'>] extends [never] ? { params?: never } : { params: Field<SpecOf<R>, 'params'> }) &
  ([Field<SpecOf<R>, 'query'>] extends [never] ? { query?: never } : { query?: Field<SpecOf<R>, 'query'> }) &
  ([Field<SpecOf<R>, 'body'>] extends [never] ? { body?: never } : { body: Field<SpecOf<R>, 'body'> });

export { ApiError };

export interface ClientOptions {
  baseUrl: string;
  key?: string;
  fetch?: typeof fetch;
  /** Throttling (429), 5xx and network failures are retried this many times (`retryDelayMs`). */
  retries?: number;
  /** How the client waits between attempts (tests pass their own clock). */
  sleep?: (ms: number) => Promise<void>;
}

/** A `Retry-After` longer than this is not waited for in full: the client tries again after this long. */
export const MAX_RETRY_AFTER_MS = 30_000;

/** Whether an answer is worth another attempt: throttling and server errors, never another 4xx. */
export const retryableStatus = (status: number) => status === 429 || status >= 500;

/**
 * The one retry policy of every SyncTrail client (the typed client, `pushRecords`, uploads):
 * the server's `Retry-After` when it sends one (seconds or an HTTP date, at most
 * `MAX_RETRY_AFTER_MS`), otherwise exponential backoff with full jitter, 200 ms, 400 ms,
 * 800 ms … up to 10 s. Retrying is always safe: SyncTrail answers a repeated request the same.
 */
export function retryDelayMs(attempt: number, retryAfter?: string | null, now = Date.now(), random = Math.random): number {
  if (retryAfter) {
    const seconds = Number(retryAfter.trim());
    const ms = Number.isFinite(seconds) && retryAfter.trim() !== '' ? seconds * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(ms)) return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
  }
  return random() * Math.min(10_000, 200 * 2 ** attempt);
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const ROUTE_BY_FN = new Map(ROUTES.map((route) => [route.fn, route]));

type Input = { params?: object; query?: object; body?: unknown };
/** A call's input without its body, for `callWithJson`. */
type InputWithoutBody<R extends RouteName> = Omit<CallInput<R>, 'body'>;

export class SyncTrailClient {
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  readonly baseUrl: string;
  readonly retries: number;

  constructor(private readonly options: ClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? realSleep;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.retries = options.retries ?? 3;
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
    const input = (args[0] ?? {}) as Input;
    return this.send(name, input, input.body === undefined ? undefined : JSON.stringify(input.body));
  }

  /**
   * Calls one route with a body already serialized as JSON: for producers that measure a
   * batch's bytes before choosing between an inline post and an upload, without encoding it twice.
   */
  async callWithJson<R extends RouteName>(name: R, input: InputWithoutBody<R>, json: string): Promise<ApiAnswers[R]> {
    return this.send(name, input as Input, json);
  }

  /**
   * One HTTP request under the retry policy (`retryDelayMs`): network failures, 429 and 5xx
   * are tried again up to `retries` times; the last answer is handed back as it is, and a
   * request that never got an answer throws ApiError with status 0. Also for requests outside
   * the API, such as an upload's pre-signed PUT.
   */
  async fetchRetrying(url: string, init: RequestInit): Promise<Response> {
    for (let attempt = 0; ; attempt += 1) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, init);
      } catch (error) {
        if (attempt < this.retries) {
          await this.sleep(retryDelayMs(attempt));
          continue;
        }
        const who = url.startsWith(this.baseUrl) ? `SyncTrail at ${this.baseUrl}` : new URL(url).origin;
        throw new ApiError(0, 'network', `${who} did not answer: ${(error as Error).message}`);
      }
      if (!retryableStatus(response.status) || attempt >= this.retries) return response;
      await response.body?.cancel().catch(() => undefined);
      await this.sleep(retryDelayMs(attempt, response.headers.get('retry-after')));
    }
  }

  private async send<R extends RouteName>(name: R, input: Input, body: string | undefined): Promise<ApiAnswers[R]> {
    const route = ROUTE_BY_FN.get(name)!;
    const response = await this.fetchRetrying(this.url(name, input), {
      method: route.method,
      headers: { ...(this.options.key ? { authorization: `Bearer ${this.options.key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    if (response.ok) return (route.produces ? text : text ? JSON.parse(text) : undefined) as ApiAnswers[R];
    let error: { code?: string; message?: string; details?: unknown } = {};
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
    } catch {
      // not JSON: the status says it
    }
    throw new ApiError(response.status, error.code ?? 'http_error', error.message ?? `${route.method} ${route.path} answered ${response.status}`, error.details ?? null);
  }
}
