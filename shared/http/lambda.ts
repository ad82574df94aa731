import type { Context } from 'aws-lambda';
import { depsFromEnv } from '#adapters/deps.ts';
import type { Deps } from '#domain/ports.ts';
import type { Event, Result } from './api-handler.ts';

export type HandlerFactory = (deps: Deps) => (event: Event, context: Context) => Promise<Result>;

/**
 * The Lambda entry point for a handler factory. Deps (and their SDK clients) are built on
 * the first invocation and kept for the container's life; importing a handler module has
 * no side effects, so local mode can build the same handlers with its own deps.
 */
export function lambdaHandler(make: HandlerFactory) {
  let handler: ReturnType<HandlerFactory> | undefined;
  return (event: Event, context: Context) => {
    handler ??= make(depsFromEnv());
    return handler(event, context);
  };
}
