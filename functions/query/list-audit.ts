import { auditQuerySchema } from '#domain/audit-entity.ts';
import { listAudit } from '#domain/audit.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'read', query: auditQuerySchema });

/** GET /v1/audit?syncId=&from=&to= — who changed what, when; newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, query }) => ok(await listAudit(deps, principal, query)));
