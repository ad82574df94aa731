/**
 * The sync entity: a sync's configuration (the body of `PUT /v1/syncs/{syncId}`) and the sync
 * as stored. A leaf (no use case, no port), so `ports.ts` and the run entity can name it; the
 * sync use cases are `sync.ts`.
 */
import * as z from 'zod';
import type { AlertRule, AlertState, AlertType } from './alert-entity.ts';
import { idSchema } from './ids.ts';
import { SYNC_OPERATIONS, SYNC_TYPES, type DestinationStatus, type FinalRunStatus } from './statuses.ts';

const label = (max = 256) => z.string().trim().min(1).max(max);
const optionalRef = z.string().min(1).max(256).nullable().optional();

/** The body of `PUT /v1/syncs/{syncId}`: a sync's whole configuration. */
export const syncConfigSchema = z.strictObject({
  name: label(),
  syncType: z.enum(SYNC_TYPES),
  entityType: label(128).optional(),
  instance: label().optional(),
  workspaceId: idSchema.optional(),
  operation: z.enum(SYNC_OPERATIONS),
  enabled: z.boolean().default(true),
  source: z.strictObject({
    id: label(),
    /** e.g. `DataWarehouse::Query` (a model) or `DataWarehouse::FilterSegmentSource` (a segment). */
    type: label(),
    name: label(),
    modelId: optionalRef,
    businessObjectId: optionalRef,
    filterSegmentId: optionalRef,
    cohortId: optionalRef,
  }),
  destination: z.strictObject({
    id: label(),
    name: label(),
    connectionType: label(),
    /** `<Destination name>::Connection`; derived from connectionType when left out. */
    type: label().optional(),
  }),
  /** Coverage (processed / total) below this, run after run, flags the sync (default 0.9). */
  coverageThreshold: z.number().min(0).max(1).optional(),
  /** How many finished runs in a row must be below the threshold (default 3). */
  coverageWindow: z.number().int().min(1).max(50).optional(),
  destinationObject: z
    .strictObject({
      id: label(),
      /** `<Destination name>::ObjectTypes::<object name>`. */
      type: label(),
      name: label(),
    })
    .optional(),
});
export type SyncConfig = z.infer<typeof syncConfigSchema>;

export interface Watermark {
  maxEventDate: string;
  runId: string;
}

export interface LastRun {
  runId: string;
  status: FinalRunStatus;
  statusMessage?: string;
  executionDate: string;
}

/** A sync as stored: its configuration plus the destination's current state. */
export interface Sync extends SyncConfig {
  orgId: string;
  syncId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  destinationStatus: DestinationStatus;
  /** The newest run started for this sync (dry runs excepted). */
  currentRunId?: string;
  /** That run's ordering key (`runOrderKey`: when it was received, then its id); `receivedAtOf` reads its time. */
  currentRunKey?: string;
  lastRun?: LastRun;
  watermark?: Watermark;
  /** Alert rules (`PUT /v1/syncs/{syncId}/alerts`) and each rule's state. */
  alertRules?: AlertRule[];
  alertStates?: Partial<Record<AlertType, AlertState>>;
  /** Bumped by every change of the alert rules: a verdict judged on other rules does not land. */
  rulesRevision?: number;
}
