import type { Deps } from '#domain/ports.ts';
import { getInstance } from '#domain/rollups.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/instances/{instance} — one instance's totals and runs, newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/get-instance'), async ({ principal, params, query }) =>
    ok(await getInstance(deps, principal, params.instance, query)),
  );
