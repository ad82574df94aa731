import type { Deps } from '#domain/ports.ts';
import { listLogs, logsQuerySchema } from '#domain/sync-logs.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'read', query: logsQuerySchema });

/** GET /v1/logs — Sync Logs: per-record rows across runs, newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, query }) => ok(await listLogs(deps, principal, query)));
