import { createKey } from '#domain/api-keys.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, created } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** POST /v1/keys */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('admin/create-key'), async ({ principal, body }) => created(await createKey(deps, principal, body)));
