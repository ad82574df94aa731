import type { Deps } from '#domain/ports.ts';
import { groupErrors } from '#domain/records.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';
import { runPath } from '#http/schemas.ts';

export const spec = routeSpec({ auth: 'read', params: runPath });

/** GET /v1/runs/{runId}/errors — failures grouped by message, with category and resolution. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, params }) => ok(await groupErrors(deps, principal, params.runId)));
