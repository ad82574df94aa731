import type { Deps } from '#domain/ports.ts';
import { getRunDiff } from '#domain/run-diff.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/runs/{runId}/diff — added, removed, changed and unchanged identifiers against another run. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/get-run-diff'), async ({ principal, params, query }) => ok(await getRunDiff(deps, principal, params.runId, query)));
