import type { TrackingRow } from '#domain/tracking-row.ts';
import type { BatchRequest } from '#domain/batch.ts';
import type { SyncConfig } from '#domain/sync-entity.ts';

export function syncConfig(overrides: Partial<SyncConfig> = {}): SyncConfig {
  return {
    name: 'High-value customers',
    syncType: 'audience',
    operation: 'upsert',
    enabled: true,
    source: { id: 'seg-1', type: 'DataWarehouse::FilterSegmentSource', name: 'High value', filterSegmentId: 'segment-9' },
    destination: { id: 'dest-meta', name: 'Meta Ads — Main Account', connectionType: 'Meta Ads' },
    destinationObject: { id: 'dobj-1', type: 'Meta Ads::ObjectTypes::Custom Audience', name: 'HV audience' },
    ...overrides,
  };
}

export interface RecordSpec {
  identifier?: string | number | null;
  status?: string;
  statusMessage?: string;
  eventDate?: string;
  payload?: Record<string, unknown>;
  final?: boolean;
  entityType?: string;
}

export function batch(overrides: Partial<BatchRequest> = {}, records: RecordSpec[] = [{ identifier: 'a@example.com' }]): BatchRequest {
  return {
    batchType: 'records_updated',
    batchNumber: 0,
    startedAt: '2026-11-20T10:00:00.000Z',
    endedAt: '2026-11-20T10:00:05.000Z',
    records: records.map((r, i) => ({
      ...('identifier' in r ? { identifier: r.identifier } : { identifier: `user-${i}@example.com` }),
      payload: r.payload ?? { email: typeof r.identifier === 'string' ? r.identifier : `user-${i}@example.com`, ltv: i * 1.5 },
      status: r.status ?? 'succeeded',
      ...(r.statusMessage ? { statusMessage: r.statusMessage } : {}),
      ...(r.eventDate ? { eventDate: r.eventDate } : {}),
      ...(r.final ? { final: r.final } : {}),
      ...(r.entityType ? { entityType: r.entityType } : {}),
    })),
    ...overrides,
  };
}

/** n records; every `rejectEvery`-th one rejected. */
export function records(n: number, rejectEvery = 0, prefix = 'user'): RecordSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    identifier: `${prefix}-${i}@example.com`,
    ...(rejectEvery && i % rejectEvery === 0 ? { status: 'rejected', statusMessage: 'Invalid email format' } : {}),
  }));
}

/**
 * A tracking row of a lookup test's batch file (`sync_tracking_datasets/o/s/r/…`): identifier
 * `user-<i>@example.com`, every tenth rejected, a ~170-byte payload.
 */
export function lookupRow(i: number, overrides: Partial<TrackingRow> = {}): TrackingRow {
  return {
    identifier: `user-${i}@example.com`,
    record_payload: JSON.stringify({ email: `user-${i}@example.com`, ltv: i, pad: 'x'.repeat(120) }),
    operation: 'upsert',
    status: i % 10 ? 'succeeded' : 'rejected',
    status_message: i % 10 ? null : 'Invalid email format',
    batch_started_at: new Date(0),
    batch_ended_at: new Date(0),
    sync_configuration_id: 's',
    sync_run_id: 'r',
    org_id: 'o',
    workspace_id: null,
    source_object_id: 'src',
    destination_id: 'd',
    destination_object_id: null,
    entity_type: null,
    target_id: null,
    instance: null,
    reported_status: 'succeeded',
    event_date: null,
    is_final: false,
    batch_type: 'records_updated',
    batch_number: 0,
    row_number: i,
    ...overrides,
  };
}
