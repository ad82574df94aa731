import { createOrgRequestSchema } from '#domain/keys.ts';
import { createOrg } from '#domain/org.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, routeSpec, created } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'root', body: createOrgRequestSchema });

/** POST /v1/orgs — root key only. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, body }) =>
    created(await createOrg(deps, principal, { orgId: body.orgId, ...(body.name ? { name: body.name } : {}) })),
  );
