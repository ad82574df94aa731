import type { Deps } from '#domain/ports.ts';
import { listRunDiffRecords } from '#domain/run-diff.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/runs/{runId}/diff/records — one kind's identifiers, a page at a time. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/list-run-diff-records'), async ({ principal, params, query }) => ok(await listRunDiffRecords(deps, principal, params.runId, query)));
