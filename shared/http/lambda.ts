import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { depsFromEnv } from '#adapters/deps.ts';
import type { ParquetWriters } from '#adapters/parquet-writers.ts';
import type { Deps } from '#domain/ports.ts';
import type { Event, Result } from './api-handler.ts';
import { logger } from './log.ts';
import { publishMetrics } from './metrics.ts';
import { traceClient, tracer } from './tracing.ts';

export type HandlerFactory = (deps: Deps) => (event: Event, context: Context) => Promise<Result>;

/** The deps of a Lambda function: from its environment, every SDK client captured by the tracer (in Lambda). */
export const lambdaDeps = (writers?: ParquetWriters): Deps => depsFromEnv(traceClient, writers);

/** An API Gateway request's id and route on every log line and as X-Ray annotations. */
const requestKeys: MiddlewareObj<unknown, unknown, Error, Context> = {
  before: ({ event }) => {
    const api = event as Partial<Event> | undefined;
    const apiRequestId = api?.requestContext?.requestId;
    if (!apiRequestId) return;
    logger.appendKeys({ apiRequestId, route: api.routeKey });
    tracer.putAnnotation('apiRequestId', apiRequestId);
    if (api.routeKey) tracer.putAnnotation('route', api.routeKey);
  },
};

/** Flushes the invocation's metrics (one EMF line), also when the handler throws. */
const flushMetrics: MiddlewareObj<unknown, unknown, Error, Context> = {
  after: () => publishMetrics(),
  onError: () => publishMetrics(),
};

/**
 * Every Lambda entry point, wrapped the same way (Powertools' middy middlewares): a trace
 * segment per invocation (no response metadata: exports are large), the Lambda context on
 * every log line (keys appended during the invocation are dropped after it), and the metrics
 * flushed after it.
 */
export function lambdaJob<E, R>(handle: (event: E, context: Context) => Promise<R>) {
  return middy<E, R, Error, Context>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(requestKeys as MiddlewareObj<E, R, Error, Context>)
    .use(flushMetrics as MiddlewareObj<E, R, Error, Context>)
    .handler(handle);
}

/**
 * The Lambda entry point for a handler factory. Deps (and their SDK clients) are built on
 * the first invocation and kept for the container's life; importing a handler module has
 * no side effects, so local mode can build the same handlers with its own deps. `writers`: the
 * parquet writers, for a function that writes tracking files.
 */
export function lambdaHandler(make: HandlerFactory, writers?: ParquetWriters) {
  let handler: ReturnType<HandlerFactory> | undefined;
  return lambdaJob((event: Event, context: Context) => {
    handler ??= make(lambdaDeps(writers));
    return handler(event, context);
  });
}
