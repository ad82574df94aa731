import { getCoverage } from '#domain/coverage.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/syncs/{syncId}/coverage — coverage over the last runs, and whether it stays low. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/get-coverage'), async ({ principal, params }) => ok(await getCoverage(deps, principal, params.syncId)));
