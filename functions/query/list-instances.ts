import type { Deps } from '#domain/ports.ts';
import { listInstances } from '#domain/rollups.ts';
import { apiHandler, routeSpec, ok } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'read' });

/** GET /v1/instances — runs grouped per instance, with totals and correlation ids. */
export const makeHandler = (deps: Deps) => apiHandler(deps, spec, async ({ principal }) => ok(await listInstances(deps, principal)));
