/**
 * One row of `sync_tracking_datasets/ORG/SYNC/RUN/[batch_type].[batch_number].parquet`:
 * the analysts' interface. The Sync Tracking columns come first, in their documented order; ours follow.
 * Every file of every run has exactly these columns, so `union_by_name` is never needed.
 */
export interface TrackingRow {
  identifier: string | null;
  record_payload: string;
  operation: string;
  status: string;
  status_message: string | null;
  batch_started_at: Date;
  batch_ended_at: Date;
  sync_configuration_id: string;
  sync_run_id: string;
  // Ours, after the Sync Tracking columns.
  org_id: string;
  workspace_id: string | null;
  source_object_id: string;
  destination_id: string;
  destination_object_id: string | null;
  entity_type: string | null;
  target_id: string | null;
  instance: string | null;
  reported_status: string | null;
  event_date: Date | null;
  is_final: boolean;
  batch_type: string;
  batch_number: number;
  row_number: number;
}

export type TrackingColumnType = 'STRING' | 'JSON' | 'TIMESTAMP' | 'BOOLEAN' | 'INT32';

/** Column order and parquet types; Glue and DuckDB see the same list. */
export const TRACKING_COLUMNS: ReadonlyArray<{ name: keyof TrackingRow; type: TrackingColumnType; description: string }> = [
  { name: 'identifier', type: 'STRING', description: 'The value of the sync key for this record; null when it had none.' },
  { name: 'record_payload', type: 'STRING', description: 'The full source record as a JSON text.' },
  { name: 'operation', type: 'STRING', description: 'update, upsert, delete, append, mirror (or create/insert for entity pipelines).' },
  { name: 'status', type: 'STRING', description: 'succeeded, partial_success, partially_failed, rejected, extraction_failed, NULL or DUPLICATE.' },
  { name: 'status_message', type: 'STRING', description: 'The error message when the record was not fully written.' },
  { name: 'batch_started_at', type: 'TIMESTAMP', description: 'When the producer started sending the batch.' },
  { name: 'batch_ended_at', type: 'TIMESTAMP', description: 'When the producer finished sending the batch.' },
  { name: 'sync_configuration_id', type: 'STRING', description: 'The sync id; identical to the id in the file path.' },
  { name: 'sync_run_id', type: 'STRING', description: 'The run id; identical to the id in the file path.' },
  { name: 'org_id', type: 'STRING', description: 'The org id; identical to the id in the file path.' },
  { name: 'workspace_id', type: 'STRING', description: 'The workspace of the sync, if any.' },
  { name: 'source_object_id', type: 'STRING', description: 'Joins to source_objects.id.' },
  { name: 'destination_id', type: 'STRING', description: 'Joins to destinations.id.' },
  { name: 'destination_object_id', type: 'STRING', description: 'Joins to destination_objects.id.' },
  { name: 'entity_type', type: 'STRING', description: 'Entity type of integration pipelines (item, bp, order).' },
  { name: 'target_id', type: 'STRING', description: 'The id the target system assigned; null when the write failed.' },
  { name: 'instance', type: 'STRING', description: 'The integration job (instance) that processed the record.' },
  { name: 'reported_status', type: 'STRING', description: "The producer's own status word, before normalization." },
  { name: 'event_date', type: 'TIMESTAMP', description: 'Event time of a signal record.' },
  { name: 'is_final', type: 'BOOLEAN', description: 'The producer exhausted its retries for this record.' },
  { name: 'batch_type', type: 'STRING', description: 'The batch type in the file name.' },
  { name: 'batch_number', type: 'INT32', description: 'The batch number in the file name.' },
  { name: 'row_number', type: 'INT32', description: 'Position of the record in its batch, from 0.' },
];

export const trackingPrefix = (orgId: string, syncId: string, runId: string) =>
  `sync_tracking_datasets/${orgId}/${syncId}/${runId}/`;

export const trackingFileKey = (orgId: string, syncId: string, runId: string, batchType: string, batchNumber: number) =>
  `${trackingPrefix(orgId, syncId, runId)}${batchType}.${batchNumber}.parquet`;

export const metadataKey = (orgId: string, syncId: string, runId: string) => `${trackingPrefix(orgId, syncId, runId)}metadata.json`;

/**
 * Athena reads `sync_log` through symlink manifests, never the run folder (which also holds
 * `metadata.json`): one manifest per counted batch, naming its parquet file, under a prefix
 * partitioned like the files. Each is written whole, once per batch, so concurrent batches
 * never share (and never lose) a line.
 */
export const SYNC_LOG_MANIFESTS = 'athena/sync-log-manifests/';

export const syncLogManifestPrefix = (orgId: string, syncId: string, runId: string) => `${SYNC_LOG_MANIFESTS}${orgId}/${syncId}/${runId}/`;

/** `sync_tracking_datasets/ORG/SYNC/RUN/[batch_type].[n].parquet` → `athena/sync-log-manifests/ORG/SYNC/RUN/[batch_type].[n].manifest`. */
export function syncLogManifestKey(fileKey: string): string {
  const match = /^sync_tracking_datasets\/([^/]+\/[^/]+\/[^/]+\/[^/]+)\.parquet$/.exec(fileKey);
  if (!match) throw new Error(`not a batch file key: ${fileKey}`);
  return `${SYNC_LOG_MANIFESTS}${match[1]}.manifest`;
}
