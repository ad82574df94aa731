/**
 * The run entity: a Sync History row as stored, and the small rules every module that reads
 * runs shares (expiry, its order, its record counts). A leaf: it imports no use case and no
 * port, so `ports.ts` can name it and batches, uploads, alerts and coverage read runs without
 * importing `run.ts` (loading a live run, which takes the ports, is `live-run.ts`).
 */
import type { BatchCounts } from './batch-entity.ts';
import type { FieldTypes } from './payload.ts';
import type { DestinationStatus, FinalRunStatus, RunStatus } from './statuses.ts';
import type { SyncConfig } from './sync-entity.ts';

/** A run: a Sync History row. The sync's configuration is copied in at start. */
export interface Run {
  orgId: string;
  runId: string;
  syncId: string;
  entityName: string;
  syncType: SyncConfig['syncType'];
  operation: SyncConfig['operation'];
  instance?: string;
  entityType?: string;
  workspaceId?: string;
  source: SyncConfig['source'];
  destination: SyncConfig['destination'] & { type: string };
  destinationObject?: SyncConfig['destinationObject'];
  status: RunStatus;
  statusMessage?: string;
  dryRun: boolean;
  correlationId?: string;
  startedAt: string;
  createdAt: string;
  /** When the run completed (Sync History's Execution Date). */
  executionDate?: string;
  /**
   * What the run's done batches add up to. Kept on the run once it is final; while it runs,
   * the batch items are the counters of record and reads add them up (`withLiveCounts`).
   */
  counts: BatchCounts;
  /** Batches counted (final runs; see `counts`). */
  batchCount: number;
  itemsTotal?: number;
  itemsProcessed?: number;
  itemsFailed?: number;
  coverageRate?: number | null;
  /** Rows the producer extracted, as it said at completion (`sourceCount`). */
  sourceCount?: number;
  maxEventDate?: string;
  /** The payload fields, a bounded list (`metadata.json` has them all once the run is complete). */
  payloadSchema: FieldTypes;
  /** More fields arrived than the run's item lists. */
  payloadSchemaTruncated?: boolean;
  /** Bumped before every batch file is written and by completion: completion's optimistic lock. */
  version: number;
  /** When the run leaves Sync History (the store's TTL follows it). */
  expiresAt: string;
  /** When its row-level records stop being browsable (the managed bucket expires them then). */
  recordsExpireAt: string;
  /** Per entity type: `type|received` etc., for stats filtered by entity type (bounded: see `boundedEntityCounts`). */
  entityCounts: Record<string, number>;
}

export type FinalRunFields = Required<Pick<Run, 'status' | 'executionDate' | 'itemsTotal' | 'itemsProcessed' | 'itemsFailed' | 'counts' | 'entityCounts' | 'batchCount'>> &
  Pick<Run, 'statusMessage' | 'maxEventDate' | 'coverageRate' | 'sourceCount'>;

/** Records extracted but never reported: `sourceCount` less the items total (none without a source count; negative when more were reported). */
export const unaccountedOf = (run: Pick<Run, 'sourceCount' | 'itemsTotal'>): number | undefined =>
  run.sourceCount === undefined ? undefined : run.sourceCount - (run.itemsTotal ?? 0);

/** Records of a run: every record received, less the in-flight reports a later record superseded. */
export const recordsOf = (counts: BatchCounts) => counts.received - (counts.superseded ?? 0);

/** In-flight records no later record settled. */
export const inProgressOf = (counts: BatchCounts) => (counts.inFlight ?? 0) - (counts.superseded ?? 0);

export const destinationStatusOf = (status: FinalRunStatus): DestinationStatus => status;

export const isExpired = (run: Pick<Run, 'expiresAt'>, now: Date) => Date.parse(run.expiresAt) <= now.getTime();

/** Ordering key for "which run is the newest": creation time, then id. */
export const runOrderKey = (run: Pick<Run, 'createdAt' | 'runId'>) => `${run.createdAt}#${run.runId}`;

/** When the run of an ordering key was received (`runOrderKey`'s creation time). */
export const receivedAtOf = (orderKey: string) => orderKey.slice(0, orderKey.indexOf('#'));
