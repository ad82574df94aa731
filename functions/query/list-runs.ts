import type { Deps } from '#domain/ports.ts';
import { listRuns } from '#domain/run.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/runs — Sync History, newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/list-runs'), async ({ principal, query }) => ok(await listRuns(deps, principal, query)));
