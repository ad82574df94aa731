import { identifierTimeline } from '#domain/identifier-timeline.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/identifiers/{identifier}/timeline — one record's outcomes across runs and destinations. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/get-identifier-timeline'), async ({ principal, params, query }) => ok(await identifierTimeline(deps, principal, params.identifier, query)));
