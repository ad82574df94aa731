import { identifierPath, identifierTimeline, timelineQuerySchema } from '#domain/identifier-timeline.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok, routeSpec } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'read', params: identifierPath, query: timelineQuerySchema });

/** GET /v1/identifiers/{identifier}/timeline — one record's outcomes across runs and destinations. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params, query }) => ok(await identifierTimeline(deps, principal, params.identifier, query)));
