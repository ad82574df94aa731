import { createOrg } from '#domain/org.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, created } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** POST /v1/orgs — root key only. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('admin/create-org'), async ({ principal, body }) =>
    created(await createOrg(deps, principal, { orgId: body.orgId, ...(body.name ? { name: body.name } : {}) })),
  );
