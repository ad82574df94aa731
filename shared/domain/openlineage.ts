import { createHash } from 'node:crypto';
import * as z from 'zod';
import { requireOrgKey } from './authz.ts';
import { isSafeId } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
import { completeRun, startRun, type ReportedCounts } from './run.ts';
import { loadLiveRun } from './live-run.ts';
import { putSync } from './sync.ts';
import type { SyncConfig } from './sync-entity.ts';

/**
 * OpenLineage (https://openlineage.io) run events, mapped onto syncs and runs: any tool that
 * already emits them (Airflow, Spark, dbt, Flink, …) shows up in Sync History with no new code.
 *
 * | OpenLineage | SyncTrail |
 * |---|---|
 * | job (namespace, name) | a sync, `ol.<namespace>.<name>`, created on first sight; instance = namespace |
 * | first input dataset | the sync's source (`OpenLineage::Dataset`) |
 * | first output dataset | destination and destination object; connection type = the namespace's scheme (`postgres://…` → `postgres`) |
 * | run.runId | the run id |
 * | START, RUNNING, OTHER | start the run (idempotent), at eventTime; parent run id → correlation id |
 * | COMPLETE | complete; outputs' `outputStatistics.rowCount` → items processed |
 * | FAIL, ABORT | complete as `error`, with the `errorMessage` facet's message |
 */
const dataset = z.looseObject({
  namespace: z.string().min(1).max(1024),
  name: z.string().min(1).max(1024),
  facets: z.record(z.string(), z.unknown()).optional(),
  inputFacets: z.record(z.string(), z.unknown()).optional(),
  outputFacets: z.record(z.string(), z.unknown()).optional(),
});
type Dataset = z.infer<typeof dataset>;

export const LINEAGE_EVENT_TYPES = ['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER'] as const;

export const lineageEventSchema = z.looseObject({
  eventType: z.enum(LINEAGE_EVENT_TYPES).default('OTHER'),
  eventTime: z.iso.datetime({ offset: true }),
  run: z.looseObject({
    runId: z.string().refine(isSafeId, 'runId must be a UUID (or match ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$)'),
    facets: z.record(z.string(), z.unknown()).optional(),
  }),
  job: z.looseObject({
    namespace: z.string().min(1).max(1024),
    name: z.string().min(1).max(1024),
    facets: z.record(z.string(), z.unknown()).optional(),
  }),
  inputs: z.array(dataset).max(1000).default([]),
  outputs: z.array(dataset).max(1000).default([]),
  producer: z.string().max(2048).optional(),
  schemaURL: z.string().max(2048).optional(),
});
export type LineageEvent = z.infer<typeof lineageEventSchema>;

/** Facets are open-ended; these read the few standard ones SyncTrail uses, defensively. */
const facet = (facets: Record<string, unknown> | undefined, name: string) => {
  const value = facets?.[name];
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
};

/** A sync id for a job: readable, safe as an S3 key segment, unique per job (a hash when shortened). */
export function syncIdForJob(namespace: string, name: string): string {
  const readable = `ol.${namespace}.${name}`.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\.{2,}/g, '.').replace(/-+/g, '-');
  if (readable.length <= 128 && isSafeId(readable)) return readable;
  const hash = createHash('sha256').update(`${namespace}\u0000${name}`).digest('hex').slice(0, 12);
  return `${readable.slice(0, 114).replace(/[.-]+$/, '')}-${hash}`;
}

/** `postgres://db:5432` → `postgres`; `bigquery` → `bigquery`; `s3://bucket` → `s3`. */
export function connectionTypeOf(namespace: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(namespace)?.[1];
  return (scheme ?? namespace.split(/[:/]/)[0] ?? 'OpenLineage') || 'OpenLineage';
}

const datasetId = (d: Dataset) => `${d.namespace}/${d.name}`.slice(0, 256);
const short = (text: string) => text.slice(0, 256);

export function syncConfigForJob(event: LineageEvent): SyncConfig {
  const input = event.inputs[0];
  const output = event.outputs[0];
  const connectionType = short(output ? connectionTypeOf(output.namespace) : 'OpenLineage');
  const jobType = facet(event.job.facets, 'jobType');
  return {
    name: short(event.job.name),
    syncType: 'entity',
    ...(typeof jobType?.jobType === 'string' && jobType.jobType ? { entityType: jobType.jobType.slice(0, 128) } : {}),
    instance: short(event.job.namespace),
    operation: 'upsert',
    enabled: true,
    source: input
      ? { id: datasetId(input), type: 'OpenLineage::Dataset', name: short(input.name) }
      : { id: short(`${event.job.namespace}/${event.job.name}`), type: 'OpenLineage::Job', name: short(event.job.name) },
    destination: output
      ? { id: short(output.namespace), name: short(output.namespace), connectionType }
      : { id: 'openlineage', name: 'OpenLineage', connectionType },
    ...(output ? { destinationObject: { id: datasetId(output), type: `${connectionType}::ObjectTypes::Dataset`, name: short(output.name) } } : {}),
  };
}

/** Rows written, from the outputs' `outputStatistics` facets; undefined when none says. */
export function rowsWritten(event: LineageEvent): number | undefined {
  let total: number | undefined;
  for (const output of event.outputs) {
    const rows = facet(output.outputFacets, 'outputStatistics')?.rowCount;
    if (typeof rows === 'number' && Number.isSafeInteger(rows) && rows >= 0) total = (total ?? 0) + rows;
  }
  return total;
}

function errorMessageOf(event: LineageEvent): string {
  const message = facet(event.run.facets, 'errorMessage')?.message;
  const text = typeof message === 'string' && message.trim() ? message.trim() : event.eventType === 'ABORT' ? 'aborted' : 'failed';
  return `${event.eventType === 'ABORT' ? 'Aborted' : 'Failed'} (OpenLineage ${event.eventType} from ${event.producer ?? 'an unnamed producer'}): ${text}`.slice(0, 8192);
}

/** `POST /v1/lineage`: one OpenLineage run event, applied to its sync and run. Idempotent like the calls it makes. */
export async function ingestLineageEvent(deps: Deps, principal: Principal, event: LineageEvent) {
  const orgId = requireOrgKey(principal, 'ingest');
  const syncId = syncIdForJob(event.job.namespace, event.job.name);
  let createdSync = false;
  if (!(await deps.syncs.get(orgId, syncId))) createdSync = (await putSync(deps, principal, syncId, syncConfigForJob(event))).created;
  const parent = facet(facet(event.run.facets, 'parent'), 'run')?.runId;
  const runId = event.run.runId;
  const started = await startRun(deps, principal, syncId, {
    runId,
    startedAt: event.eventType === 'START' ? event.eventTime : undefined,
    dryRun: false,
    ...(typeof parent === 'string' && parent ? { correlationId: parent.slice(0, 256) } : {}),
  });
  let run = started.run;
  if (event.eventType === 'COMPLETE' || event.eventType === 'FAIL' || event.eventType === 'ABORT') {
    const current = await loadLiveRun(deps, orgId, runId);
    if (current.status === 'running') {
      const rows = rowsWritten(event);
      const reported: ReportedCounts | undefined = rows === undefined ? undefined : { processed: rows, failed: 0 };
      run = event.eventType === 'COMPLETE' ? await completeRun(deps, principal, runId, {}, reported) : await completeRun(deps, principal, runId, { status: 'error', statusMessage: errorMessageOf(event) }, reported);
    }
  }
  return { eventType: event.eventType, syncId, createdSync, runId, run };
}
