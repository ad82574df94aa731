import type { Context } from 'aws-lambda';
import type { Deps } from '#domain/ports.ts';
import type * as z from 'zod';
import { errorBody, type ApiResponse, type Event, type Result, type RouteHandler } from '#http/api-handler.ts';
import type { AnswerMap } from '#http/answers/index.ts';
import type { HandlerFactory } from '#http/lambda.ts';
import { log } from '#http/log.ts';
import { routesOf, type ApiName, type RouteFn } from '../routes.ts';

/**
 * One API function's handler: it serves the routes of `functions/routes.ts` that belong to
 * its API, dispatching on the route key API Gateway matched (`POST /v1/runs/{runId}/batches`),
 * so path parameters arrive parsed and unknown paths never reach it. Each route's middleware
 * chain is built on that route's first request (its module is loaded with the function).
 *
 * `factories` must name every route of the API and nothing else; the type says so, and so does
 * this function for callers the type checker never saw. The type also holds each handler's
 * answers (`ok`/`created`) to its route's answer schema, both ways and status by status: a
 * field the schema lacks, a field it has that the handler does not send, or a status it does
 * not list fails to compile here.
 */
export function apiRouter<A extends ApiName, M extends { readonly [F in RouteFn<A>]: (deps: Deps) => RouteHandler }>(api: A, factories: M & AnswersMatch<M>): HandlerFactory {
  const routes = routesOf(api);
  const byFn = factories as Readonly<Record<string, HandlerFactory>>;
  const missing = routes.filter((route) => typeof byFn[route.fn] !== 'function').map((route) => route.fn);
  const extra = Object.keys(byFn).filter((fn) => !routes.some((route) => route.fn === fn));
  if (missing.length || extra.length) throw new Error(`the ${api} API's handlers do not match its routes: missing ${missing.join(', ') || 'none'}, extra ${extra.join(', ') || 'none'}`);
  const fnByRouteKey = new Map<string, string>(routes.map((route) => [`${route.method} ${route.path}`, route.fn]));

  return (deps: Deps) => {
    const handlers = new Map<string, (event: Event, context: Context) => Promise<Result>>();
    return async (event, context) => {
      const fn = fnByRouteKey.get(event.routeKey);
      if (!fn) {
        // Only a route wired to the wrong function gets here (API Gateway answers unknown paths
        // itself): a deployment fault, so a 5xx that the API's alarm sees, and a log line.
        log('error', 'route wired to the wrong API function', { api, routeKey: event.routeKey });
        return { statusCode: 500, headers: { 'content-type': 'application/json; charset=utf-8' }, body: errorBody('internal', `the ${api} API has no route ${event.routeKey}`) };
      }
      let handler = handlers.get(fn);
      if (!handler) {
        handler = byFn[fn]!(deps);
        handlers.set(fn, handler);
      }
      return handler(event, context);
    };
  };
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** What a handler factory's handler answers, from its type (`RouteHandler<R>`). */
export type HandlerAnswers<H> = H extends (deps: Deps) => infer R ? (R extends { readonly answers?: infer A } ? Exclude<A, undefined> : never) : never;
/** What a route may answer: one `ApiResponse` per status of its answer schema. */
export type SchemaAnswers<F extends keyof AnswerMap> = { [S in keyof AnswerMap[F] & number]: ApiResponse<z.output<AnswerMap[F][S] & z.ZodType>, S> }[keyof AnswerMap[F] & number];
type Body<A, S> = A extends { statusCode: S; body: infer T } ? T : never;
/** True when a handler's answers and a route's schema agree on the statuses and, for each, on the body. */
export type AnswersAgree<A extends ApiResponse, F extends keyof AnswerMap> =
  Same<A['statusCode'], keyof AnswerMap[F] & number> extends true
    ? false extends { [S in keyof AnswerMap[F] & number]: Same<Body<A, S>, z.output<AnswerMap[F][S] & z.ZodType>> }[keyof AnswerMap[F] & number]
      ? false
      : true
    : false;
/** `unknown` for each handler that agrees with its route's schema; otherwise a property it lacks, naming the route. */
export type AnswersMatch<M> = {
  readonly [F in keyof M]: F extends keyof AnswerMap ? (AnswersAgree<HandlerAnswers<M[F]>, F> extends true ? unknown : { 'answers differ from the answer schema of': F }) : unknown;
};
