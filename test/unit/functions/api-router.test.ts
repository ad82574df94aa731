import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Deps } from '#domain/ports.ts';
import type { Event } from '#http/api-handler.ts';
import type { HandlerFactory } from '#http/lambda.ts';
import { apiRouter } from '../../../functions/api/router.ts';
import { routesOf, type RouteFn } from '../../../functions/routes.ts';

const event = (routeKey: string) => ({ routeKey, headers: {} }) as unknown as Event;
const context = {} as Context;
const deps = {} as Deps;

/** A factory per route of the query API that answers which route it is, counting how often it was built. */
function recordingFactories() {
  const built: string[] = [];
  const factories = Object.fromEntries(
    routesOf('query').map((route) => [
      route.fn,
      (() => {
        built.push(route.fn);
        return async () => ({ statusCode: 200, body: route.fn });
      }) satisfies HandlerFactory,
    ]),
  ) as unknown as Record<RouteFn<'query'>, HandlerFactory>;
  // Stubs answer their route's name, not its schema: the answers check (tsc) is for real handlers.
  return { built, factories };
}

describe('apiRouter', () => {
  it('sends each route key of its API to that route handler, built once on first use', async () => {
    // Arrange
    const { built, factories } = recordingFactories();
    const handler = apiRouter('query', factories as never)(deps);

    // Act
    const first = await handler(event('GET /v1/runs/{runId}'), context);
    const second = await handler(event('GET /v1/runs/{runId}'), context);
    const other = await handler(event('GET /v1/stats'), context);

    // Assert
    expect([first.body, second.body, other.body]).toEqual(['query/get-run', 'query/get-run', 'query/get-stats']);
    expect(built).toEqual(['query/get-run', 'query/get-stats']);
  });

  it("answers a JSON 500 for a route key that is not its API's (a wiring fault), without building anything", async () => {
    const { built, factories } = recordingFactories();
    const handler = apiRouter('query', factories as never)(deps);

    const answer = await handler(event('POST /v1/runs/{runId}/batches'), context);

    expect(answer.statusCode).toBe(500);
    expect(JSON.parse(answer.body!)).toEqual({ error: { code: 'internal', message: 'the query API has no route POST /v1/runs/{runId}/batches', details: null } });
    expect(built).toEqual([]);
  });

  it('refuses, when the function loads, handlers that do not match its routes', () => {
    const { factories } = recordingFactories();
    const { 'query/get-run': _dropped, ...missing } = factories;
    expect(() => apiRouter('query', missing as never)).toThrow(/missing query\/get-run, extra none/);
    expect(() => apiRouter('query', { ...factories, 'ingest/post-batch': factories['query/get-run'] } as never)).toThrow(/missing none, extra ingest\/post-batch/);
  });
});
