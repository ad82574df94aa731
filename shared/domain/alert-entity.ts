/**
 * The alert entity: a sync's alert rules and each rule's state, as stored on the sync. A leaf
 * (no use case, no port), so `ports.ts` and the sync entity can name it; judging the rules is `alerts.ts`.
 */
import * as z from 'zod';

/** A volume baseline needs this many finished runs before the run judged. */
export const MIN_BASELINE_RUNS = 3;
/** A missed run is one not started within its interval × this. */
export const MISSED_RUN_GRACE = 1.5;

/**
 * Alert rules per sync. Each is a state, not a stream of complaints: it fires once when the
 * sync enters the bad state and once (`alert.resolved`) when it leaves it. A rule is judged
 * when it is set (on what the sync already has), after every completion and, for freshness, on
 * a schedule; until there is something to judge it is `pending`.
 */
export const alertRuleSchema = z.discriminatedUnion('type', [
  /** The latest run ended in error. */
  z.strictObject({ type: z.literal('run_error') }),
  /** The latest run failed more than `above` percent of its records. */
  z.strictObject({ type: z.literal('failed_percent'), above: z.number().min(0).max(100) }),
  /** Each of the last `runs` finished runs had a coverage rate below `below` (a "consistently low ratio"). */
  z.strictObject({ type: z.literal('low_coverage'), below: z.number().min(0).max(1), runs: z.number().int().min(1).max(50) }),
  /** A signal sync's max event date (its watermark) is older than `maxAgeHours`. */
  z.strictObject({ type: z.literal('freshness'), maxAgeHours: z.number().positive().max(24 * 366) }),
  /**
   * The latest run's items total below `drop` × or above `spike` × the sync's baseline: the
   * median items total of its last `runs` finished runs before it (`volumeBaseline`).
   */
  z.strictObject({
    type: z.literal('volume_anomaly'),
    drop: z.number().min(0).lt(1).default(0.5),
    spike: z.number().gt(1).max(1000).default(3),
    runs: z.number().int().min(MIN_BASELINE_RUNS).max(50).default(7),
  }),
  /** No run started within `everyHours` × 1.5 (a run that was due did not come). */
  z.strictObject({ type: z.literal('missed_run'), everyHours: z.number().positive().max(24 * 366) }),
  /** The latest run took longer than `aboveMinutes` from its start to its completion. */
  z.strictObject({ type: z.literal('slow_run'), aboveMinutes: z.number().positive().max(60 * 24 * 366) }),
  /** The latest run's `unaccountedCount` (its `sourceCount` less its items total) is above `above`. */
  z.strictObject({ type: z.literal('unaccounted'), above: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
]);
export type AlertRule = z.infer<typeof alertRuleSchema>;
export type AlertType = AlertRule['type'];

export interface AlertState {
  firing: boolean;
  /** When it entered its current state. */
  since: string;
  /** What the last evaluation saw, in words. */
  detail: string;
  runId?: string;
}

/** `pending`: nothing to judge yet (no finished run in Sync History: no run, or only runs of no records for `failed_percent`). */
export type AlertRuleState = 'firing' | 'ok' | 'pending';

/** Every rule type, in the schema's order. */
export const ALERT_TYPES: readonly AlertType[] = alertRuleSchema.options.map((option) => option.shape.type.value);
