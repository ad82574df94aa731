import { ingestLineageEvent, lineageEventSchema } from '#domain/openlineage.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok, routeSpec } from '#http/api-handler.ts';

/** Facets (schemas, SQL, column lineage) can be large; a run event is still far below this. */
export const LINEAGE_MAX_BYTES = 1024 * 1024;

export const spec = routeSpec({ auth: 'ingest', body: lineageEventSchema, maxBodyBytes: LINEAGE_MAX_BYTES });

/** POST /v1/lineage — an OpenLineage run event, mapped onto a sync and a run. */
export const makeHandler = (deps: Deps) => apiHandler(deps, spec, async ({ principal, body }) => ok(await ingestLineageEvent(deps, principal, body)));
