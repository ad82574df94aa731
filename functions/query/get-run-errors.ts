import type { Deps } from '#domain/ports.ts';
import { groupErrors } from '#domain/records.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/runs/{runId}/errors — failures grouped by message, with category and resolution. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/get-run-errors'), async ({ principal, params }) => ok(await groupErrors(deps, principal, params.runId)));
