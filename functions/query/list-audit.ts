import { listAudit } from '#domain/audit.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/audit?syncId=&from=&to= — who changed what, when; newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/list-audit'), async ({ principal, query }) => ok(await listAudit(deps, principal, query)));
