import type { Context } from 'aws-lambda';
import type { Deps } from '#domain/ports.ts';
import { errorBody, type Event, type Result } from '#http/api-handler.ts';
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
 * this function for callers the type checker never saw.
 */
export function apiRouter<A extends ApiName>(api: A, factories: { readonly [F in RouteFn<A>]: HandlerFactory }): HandlerFactory {
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
