import type { Deps } from '#domain/ports.ts';
import { listLogs } from '#domain/sync-logs.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/logs — Sync Logs: per-record rows across runs, newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/list-logs'), async ({ principal, query }) => ok(await listLogs(deps, principal, query)));
