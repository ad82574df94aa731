import { createKey } from '#domain/api-keys.ts';
import { createKeyRequestSchema } from '#domain/keys.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, routeSpec, created } from '#http/api-handler.ts';

export const spec = routeSpec({ auth: 'admin', body: createKeyRequestSchema });

/** POST /v1/keys */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, spec, async ({ principal, body }) => created(await createKey(deps, principal, body)));
