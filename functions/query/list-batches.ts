import type { Deps } from '#domain/ports.ts';
import { listRunBatches } from '#domain/uploads.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/runs/{runId}/batches — every batch: pending, done or failed (with the bad lines of a failed upload). */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('query/list-batches'), async ({ principal, params }) => ok(await listRunBatches(deps, principal, params.runId)));
