import type { Deps } from '#domain/ports.ts';
import { listInstances } from '#domain/rollups.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/instances — runs grouped per instance, with totals and correlation ids. */
export const makeHandler = (deps: Deps) => apiHandler(deps, specOf('query/list-instances'), async ({ principal }) => ok(await listInstances(deps, principal)));
