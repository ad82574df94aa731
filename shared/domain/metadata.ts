import { publishedSchema } from './payload.ts';
import type { Run } from './run-entity.ts';

/** `metadata.json` beside a run's parquet files, with the fields Sync Tracking lists. */
export function metadataDocument(run: Run) {
  return {
    org_id: run.orgId,
    workspace_id: run.workspaceId ?? null,
    sync_configuration_id: run.syncId,
    sync_run_id: run.runId,
    sync_name: run.entityName,
    sync_type: run.syncType,
    operation: run.operation,
    instance: run.instance ?? null,
    entity_type: run.entityType ?? null,
    source_type: run.source.type,
    source_id: run.source.id,
    source_name: run.source.name,
    destination_type: run.destination.type,
    destination_id: run.destination.id,
    destination_name: run.destination.name,
    connection_type: run.destination.connectionType,
    destination_object_type: run.destinationObject?.type ?? null,
    destination_object_id: run.destinationObject?.id ?? null,
    destination_object_name: run.destinationObject?.name ?? null,
    sync_run_started_at: run.startedAt,
    correlation_id: run.correlationId ?? null,
    record_payload_schema: publishedSchema(run.payloadSchema),
  };
}
