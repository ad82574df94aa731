import type { Deps } from '#domain/ports.ts';
import { startRun } from '#domain/run.ts';
import { apiHandler, created, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** POST /v1/syncs/{syncId}/runs — 201 for a new run, 200 when the runId was already started. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('ingest/start-run'), async ({ principal, body, params }) => {
    const { created: isNew, run, watermark } = await startRun(deps, principal, params.syncId, body);
    const answer = watermark === undefined ? run : { ...run, watermark };
    return isNew ? created(answer) : ok(answer);
  });
