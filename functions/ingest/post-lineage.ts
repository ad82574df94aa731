import { ingestLineageEvent } from '#domain/openlineage.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** POST /v1/lineage — an OpenLineage run event, mapped onto a sync and a run. */
export const makeHandler = (deps: Deps) => apiHandler(deps, specOf('ingest/post-lineage'), async ({ principal, body }) => ok(await ingestLineageEvent(deps, principal, body)));
