import * as z from 'zod';
import { ALERT_TYPES, alertRuleSchema, MIN_BASELINE_RUNS, MISSED_RUN_GRACE, type AlertRule, type AlertRuleState, type AlertState } from './alert-entity.ts';
import { recordAudit } from './audit.ts';
import { requireOrgKey } from './authz.ts';
import { invalid, notFound } from './errors.ts';
import { newEvent, publishQuietly } from './events.ts';
import type { Principal } from './keys.ts';
import type { AlertBasis, Deps } from './ports.ts';
import { recentCoverage } from './coverage.ts';
import { runsOf, theLastRuns } from './run-count.ts';
import { runQuerySchema } from './run-schemas.ts';
import { inProgressOf, isExpired, receivedAtOf, unaccountedOf, type Run } from './run-entity.ts';
import { presentRun } from './run-presenter.ts';
import type { Sync } from './sync-entity.ts';

/** The body of `PUT /v1/syncs/{syncId}/alerts`: at most one rule of each type. */
export const alertRulesSchema = z.strictObject({
  rules: z
    .array(alertRuleSchema)
    .max(ALERT_TYPES.length)
    .refine((rules) => new Set(rules.map((r) => r.type)).size === rules.length, 'one rule of each type at most'),
});

export interface Verdict {
  bad: boolean;
  detail: string;
}

const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

/**
 * The verdict of a rule that looks at one finished run; none for a share of no records.
 * `failed_percent` counts the records that failed: Items Failed less the records still in
 * progress at completion (not processed, so they lower coverage, but nothing said they failed).
 * An error run fails every item, in flight or not, as Sync History counts it.
 */
export function runVerdict(
  rule: Extract<AlertRule, { type: 'run_error' | 'failed_percent' }>,
  run: Pick<Run, 'status' | 'itemsTotal' | 'itemsFailed' | 'statusMessage' | 'runId'> & { counts?: Run['counts'] },
): Verdict | undefined {
  if (rule.type === 'run_error') {
    return run.status === 'error' ? { bad: true, detail: `run ${run.runId} failed: ${run.statusMessage ?? 'no message'}` } : { bad: false, detail: `run ${run.runId} ended ${run.status}` };
  }
  const total = run.itemsTotal ?? 0;
  if (total === 0) return undefined;
  const inProgress = run.status === 'error' || !run.counts ? 0 : Math.max(0, inProgressOf(run.counts));
  const failed = Math.max(0, (run.itemsFailed ?? 0) - inProgress);
  const failedShare = failed / total;
  const stillInProgress = inProgress > 0 ? `; ${inProgress} still in progress, not counted as failed` : '';
  return {
    bad: failedShare * 100 > rule.above,
    detail: `run ${run.runId} failed ${failed} of ${total} records (${pct(failedShare)}; limit ${rule.above}%${stillInProgress})`,
  };
}

/**
 * Low coverage: each of the last `runs` finished runs (newest first) below the threshold; none
 * before a finished run with a coverage rate. The detail names the runs it looked at.
 */
export function coverageVerdict(rule: Extract<AlertRule, { type: 'low_coverage' }>, coverages: number[]): Verdict | undefined {
  const recent = coverages.slice(0, rule.runs);
  if (!recent.length) return undefined;
  const bad = recent.length === rule.runs && recent.every((c) => c < rule.below);
  return { bad, detail: `coverage of ${theLastRuns(recent.length, 'finished')}: ${recent.map(pct).join(', ')} (threshold ${pct(rule.below)} over ${runsOf(rule.runs)})` };
}

/** Freshness: the newest event pushed is no older than `maxAgeHours`. */
export function freshnessVerdict(rule: Extract<AlertRule, { type: 'freshness' }>, maxEventDate: string | undefined, now: Date): Verdict {
  if (!maxEventDate) return { bad: true, detail: `no event pushed yet (limit ${rule.maxAgeHours} h)` };
  const ageHours = (now.getTime() - Date.parse(maxEventDate)) / 3_600_000;
  return { bad: ageHours > rule.maxAgeHours, detail: `newest event pushed is ${beside(ageHours, rule.maxAgeHours)} h old (${maxEventDate}; limit ${rule.maxAgeHours} h)` };
}

/** The median of `values` (not empty). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** With at least this many earlier runs read, the baseline is drawn from runs that started on the run's own weekday. */
export const WEEKDAY_AWARE_RUNS = 14;
/** Earlier runs read for a baseline: enough for `runs` of one weekday among daily runs. */
export const baselineLookback = (runs: number) => runs * 7;

export interface Baseline {
  /** The median items total. */
  value: number;
  /** The runs it is the median of, newest first. */
  runIds: string[];
  /** Drawn from runs that started on the judged run's weekday (UTC). */
  weekday?: string;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const weekdayOf = (iso: string) => WEEKDAYS[new Date(iso).getUTCDay()]!;

/**
 * A run's volume baseline from the sync's earlier runs (newest first: finished, not dry, not
 * error): the median items total of the last `runs` of them. When at least 14 earlier runs
 * are at hand and `MIN_BASELINE_RUNS` of them started on the run's weekday (UTC), only those
 * count, so a quiet Sunday is judged against Sundays. None with fewer than `MIN_BASELINE_RUNS`.
 */
export function volumeBaseline(run: Pick<Run, 'startedAt'>, earlier: ReadonlyArray<Pick<Run, 'runId' | 'startedAt' | 'itemsTotal'>>, runs: number): Baseline | undefined {
  const weekday = weekdayOf(run.startedAt);
  const sameDay = earlier.length >= WEEKDAY_AWARE_RUNS ? earlier.filter((r) => weekdayOf(r.startedAt) === weekday).slice(0, runs) : [];
  const chosen = sameDay.length >= MIN_BASELINE_RUNS ? sameDay : earlier.slice(0, runs);
  if (chosen.length < MIN_BASELINE_RUNS) return undefined;
  return { value: median(chosen.map((r) => r.itemsTotal ?? 0)), runIds: chosen.map((r) => r.runId), ...(chosen === sameDay ? { weekday } : {}) };
}

const records = (n: number) => `${n.toLocaleString('en-US', { maximumFractionDigits: 1 })} ${n === 1 ? 'record' : 'records'}`;

/**
 * Volume anomaly: the run's items total against its baseline. Below `drop` × baseline, or
 * 0 records against a baseline above 0 (even with `drop` 0), or above `spike` × baseline.
 * None for an error run (`run_error` speaks for it) or without a baseline yet.
 */
export function volumeVerdict(rule: Extract<AlertRule, { type: 'volume_anomaly' }>, run: Pick<Run, 'runId' | 'status' | 'itemsTotal'>, baseline: Baseline | undefined): Verdict | undefined {
  if (run.status === 'error' || !baseline) return undefined;
  const total = run.itemsTotal ?? 0;
  const base = baseline.value;
  const low = total < rule.drop * base || (total === 0 && base > 0);
  const high = total > rule.spike * base;
  const against = `the median of ${theLastRuns(baseline.runIds.length, baseline.weekday ? `${baseline.weekday}` : 'finished')} (${records(base)})`;
  const word = low ? 'a drop: ' : high ? 'a spike: ' : '';
  const ratio = base > 0 ? ` (${(total / base).toFixed(2)}×)` : '';
  return { bad: low || high, detail: `${word}run ${run.runId} had ${records(total)}${ratio} against ${against}; limits ${rule.drop}× to ${rule.spike}×` };
}

/** A baseline looks through at most this many earlier runs (dry and error ones included) for its own. */
export const BASELINE_SCAN_MAX = 1000;

/**
 * The sync's finished, not dry, not error runs that started before `run`, newest first, at most
 * `limit`: read from just after `run` in Sync History's order, through at most BASELINE_SCAN_MAX runs.
 */
export async function earlierRuns(deps: Pick<Deps, 'runs' | 'clock'>, sync: Sync, run: Run, limit: number): Promise<Run[]> {
  const found: Run[] = [];
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  let cursor: string | undefined = deps.runs.cursorAfter(run);
  let scanned = 0;
  do {
    const page = await deps.runs.list(sync.orgId, runQuerySchema.parse({ syncId: sync.syncId, limit: 100, cursor }), now);
    for (const r of page.items) {
      if ((scanned += 1) > BASELINE_SCAN_MAX) return found;
      if (r.dryRun || r.status === 'running' || r.status === 'error' || r.runId === run.runId) continue;
      found.push(r);
      if (found.length >= limit) return found;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

/**
 * `value` with one decimal, or as many more (up to 6) as it takes for the printed number to sit
 * on the same side of `limit` as the value: a firing rule never reads "took 60.0 min (limit 60 min)".
 */
export function beside(value: number, limit: number): string {
  for (let digits = 1; digits < 6; digits += 1) {
    const shown = value.toFixed(digits);
    if (Number(shown) > limit === value > limit) return shown;
  }
  return value.toFixed(6);
}

/**
 * Missed run: the newest run was started (received) no later than `everyHours` × 1.5 ago;
 * before any, since the sync was created. A disabled sync expects no run: ok.
 */
export function missedRunVerdict(rule: Extract<AlertRule, { type: 'missed_run' }>, sync: Pick<Sync, 'createdAt' | 'currentRunKey' | 'enabled'>, now: Date): Verdict {
  const limitHours = rule.everyHours * MISSED_RUN_GRACE;
  if (!sync.enabled) return { bad: false, detail: `the sync is disabled: no run is expected (limit ${limitHours} h once enabled)` };
  const lastStarted = sync.currentRunKey ? receivedAtOf(sync.currentRunKey) : undefined;
  const since = lastStarted ?? sync.createdAt;
  const hours = (now.getTime() - Date.parse(since)) / 3_600_000;
  const what = lastStarted ? `the last run started ${beside(hours, limitHours)} h ago (${since})` : `no run started since the sync was created ${beside(hours, limitHours)} h ago (${since})`;
  return { bad: hours > limitHours, detail: `${what}; expected every ${rule.everyHours} h, limit ${limitHours} h` };
}

/** Slow run: the latest run's start to its completion. */
export function slowRunVerdict(rule: Extract<AlertRule, { type: 'slow_run' }>, run: Pick<Run, 'runId' | 'startedAt' | 'executionDate'>): Verdict | undefined {
  if (!run.executionDate) return undefined;
  const minutes = Math.max(0, Date.parse(run.executionDate) - Date.parse(run.startedAt)) / 60_000;
  return { bad: minutes > rule.aboveMinutes, detail: `run ${run.runId} took ${beside(minutes, rule.aboveMinutes)} min from start to completion (limit ${rule.aboveMinutes} min)` };
}

/**
 * Slow run, before it completes: the sync's open run has been running longer than the limit
 * (a run that hangs never completes, so completion alone would never say so). Only bad: while
 * within the limit an open run says nothing; its completion judges it.
 */
export function stillRunningVerdict(rule: Extract<AlertRule, { type: 'slow_run' }>, run: Pick<Run, 'runId' | 'startedAt' | 'status' | 'dryRun'> | undefined, now: Date): Verdict | undefined {
  if (!run || run.status !== 'running' || run.dryRun) return undefined;
  const minutes = (now.getTime() - Date.parse(run.startedAt)) / 60_000;
  return minutes > rule.aboveMinutes ? { bad: true, detail: `run ${run.runId} has been running for ${beside(minutes, rule.aboveMinutes)} min since its start, not completed yet (limit ${rule.aboveMinutes} min)` } : undefined;
}

/** Unaccounted records: extracted (`sourceCount`) but never reported. None for a run completed without a source count. */
export function unaccountedVerdict(rule: Extract<AlertRule, { type: 'unaccounted' }>, run: Pick<Run, 'runId' | 'sourceCount' | 'itemsTotal'>): Verdict | undefined {
  const unaccounted = unaccountedOf(run);
  if (unaccounted === undefined) return undefined;
  return {
    bad: unaccounted > rule.above,
    detail: `run ${run.runId}: ${run.sourceCount} extracted, ${run.itemsTotal ?? 0} reported, ${unaccounted} unaccounted (limit ${rule.above})`,
  };
}

/** Rules judged on the sync's latest finished run (their state names it). */
export const RUN_RULES: ReadonlySet<AlertRule['type']> = new Set(['run_error', 'failed_percent', 'low_coverage', 'volume_anomaly', 'slow_run', 'unaccounted']);

type AlertDeps = Pick<Deps, 'syncs' | 'runs' | 'notifier' | 'clock'>;

/**
 * What a rule says of the sync now, judged the same way wherever it is judged: run rules on
 * `latestRun` (the sync's latest finished run), low coverage on the last finished runs,
 * freshness on a signal sync's watermark. None when there is nothing to judge yet.
 */
export async function ruleVerdict(deps: Pick<Deps, 'runs' | 'clock'>, sync: Sync, rule: AlertRule, latestRun: Run | undefined): Promise<Verdict | undefined> {
  switch (rule.type) {
    case 'run_error':
    case 'failed_percent':
      return latestRun ? runVerdict(rule, latestRun) : undefined;
    case 'low_coverage':
      return coverageVerdict(rule, (await recentCoverage(deps, sync, rule.runs)).map((r) => r.coverageRate));
    case 'freshness':
      return sync.syncType === 'signal' ? freshnessVerdict(rule, sync.watermark?.maxEventDate, deps.clock.now()) : undefined;
    case 'volume_anomaly':
      if (!latestRun || latestRun.status === 'error') return undefined;
      return volumeVerdict(rule, latestRun, volumeBaseline(latestRun, await earlierRuns(deps, sync, latestRun, baselineLookback(rule.runs)), rule.runs));
    case 'missed_run':
      return missedRunVerdict(rule, sync, deps.clock.now());
    case 'slow_run':
      return latestRun ? slowRunVerdict(rule, latestRun) : undefined;
    case 'unaccounted':
      return latestRun ? unaccountedVerdict(rule, latestRun) : undefined;
  }
}

/** What `settle` did: moved the state, found nothing to move, or lost to a newer judgment. */
type Settled = 'moved' | 'kept' | 'stale';

/** A missed run is judged on the newest start, too: a run started meanwhile judged it. */
const basisOf = (sync: Sync, rule: AlertRule): AlertBasis => ({
  lastRunId: sync.lastRun?.runId,
  maxEventDate: sync.watermark?.maxEventDate,
  rulesRevision: sync.rulesRevision,
  ...(rule.type === 'missed_run' ? { lastStartKey: sync.currentRunKey ?? null } : {}),
});

/**
 * Moves a rule to the verdict's state. A first verdict is stored even when it is good (the
 * rule leaves `pending`); a change of state is one conditional write, and only the caller
 * whose write landed publishes the event: two evaluations at once fire once. The write holds
 * only while the sync's latest finished run and watermark are still those the verdict was
 * judged on: a completion that lands meanwhile judges its own run, and the older verdict is
 * dropped (`stale`) instead of overwriting it. `refreshDetail` (a rule just set, or judged on
 * a newer run) also rewrites the words of a state that stays, keeping its `since`.
 */
async function settle(deps: AlertDeps, sync: Sync, rule: AlertRule, verdict: Verdict | undefined, run?: Run, refreshDetail = false): Promise<Settled> {
  if (!verdict) return 'kept';
  const current = sync.alertStates?.[rule.type];
  const wasFiring = current?.firing ?? false;
  const changes = verdict.bad !== wasFiring;
  if (current && !changes && !(refreshDetail && current.detail !== verdict.detail)) return 'kept';
  const now = deps.clock.now();
  const next: AlertState = { firing: verdict.bad, since: current && !changes ? current.since : now.toISOString(), detail: verdict.detail, ...(run ? { runId: run.runId } : {}) };
  if (!(await deps.syncs.transitionAlert(sync.orgId, sync.syncId, rule.type, wasFiring, next, basisOf(sync, rule)))) return 'stale';
  if (!changes) return 'moved';
  await publishQuietly(
    deps.notifier,
    newEvent(verdict.bad ? 'alert.fired' : 'alert.resolved', sync.orgId, now, {
      alert: {
        syncId: sync.syncId,
        syncName: sync.name,
        destinationName: sync.destination.name,
        connectionType: sync.destination.connectionType,
        rule,
        state: verdict.bad ? 'firing' : 'resolved',
        detail: verdict.detail,
        since: next.since,
        // Which firing this ends (its alert.fired's `since`): PagerDuty resolves that one incident.
        ...(wasFiring && current ? { firingSince: current.since } : {}),
      },
      ...(run ? { run: presentRun(run, now) } : {}),
    }),
  );
  return 'moved';
}

/** After a run completes: every rule of its sync, evaluated (dry runs say nothing of a sync's health). */
export async function evaluateRunAlerts(deps: AlertDeps, run: Run): Promise<void> {
  if (run.dryRun || run.status === 'running') return;
  const sync = await deps.syncs.get(run.orgId, run.syncId);
  if (!sync?.alertRules?.length) return;
  // Only the sync's latest finished run speaks for it: not one that finished after a newer
  // one started, nor an old run completed again. A stale write here means a newer completion
  // (or a rule set meanwhile) judged the sync after this one read it: its judgment stands.
  if (sync.lastRun?.runId !== run.runId) return;
  // The words follow the latest run even when the state stays (same `since`, no event).
  for (const rule of sync.alertRules) await settle(deps, sync, rule, await ruleVerdict(deps, sync, rule, run), run, true);
}

/** Rules just set are judged again from a fresh read at most this many times when a completion keeps landing meanwhile. */
export const MAX_JUDGE_ATTEMPTS = 5;

/**
 * When rules are set: each judged at once on what the sync already has (its latest finished
 * run, still in Sync History, and its watermark), so a rule set on a broken sync fires now and
 * a changed threshold is judged again. The next completion then finds the state already there
 * and repeats nothing. A completion may land between the read and the write (it read the sync
 * before these rules were stored, so it judged none of them): the write is then stale, and
 * the rules are judged again on a fresh read of the sync, which has that run.
 */
export async function judgeAlertRules(deps: AlertDeps, sync: Sync): Promise<void> {
  for (let attempt = 1, current: Sync | undefined = sync; current; attempt += 1) {
    const stored = current.lastRun ? await deps.runs.get(current.orgId, current.lastRun.runId) : undefined;
    const latestRun = stored && !stored.dryRun && stored.status !== 'running' && !isExpired(stored, deps.clock.now()) ? stored : undefined;
    let stale = false;
    for (const rule of current.alertRules ?? []) {
      const verdict = await ruleVerdict(deps, current, rule, latestRun);
      if ((await settle(deps, current, rule, verdict, RUN_RULES.has(rule.type) ? latestRun : undefined, true)) === 'stale') stale = true;
    }
    if (!stale || attempt >= MAX_JUDGE_ATTEMPTS) return;
    current = await deps.syncs.get(sync.orgId, sync.syncId);
  }
}

/**
 * Freshness, missed runs and runs that hang go bad with time alone, so a schedule asks (every
 * 15 minutes in AWS, every 5 locally): every signal sync with a freshness rule, every sync with
 * a missed-run rule, and every sync with a slow-run rule whose open run is past its limit, of every org.
 */
export async function checkFreshness(deps: Pick<Deps, 'orgs'> & AlertDeps): Promise<{ syncs: number; firing: number }> {
  let syncs = 0;
  let firing = 0;
  const now = () => deps.clock.now();
  for (const orgId of await deps.orgs.listOrgIds()) {
    let cursor: string | undefined;
    do {
      const page = await deps.syncs.list(orgId, { limit: 100, ...(cursor ? { cursor } : {}) });
      for (const sync of page.items) {
        const judged: Array<[AlertRule, Verdict]> = [];
        for (const rule of sync.alertRules ?? []) {
          if (rule.type === 'freshness' && sync.syncType === 'signal') judged.push([rule, freshnessVerdict(rule, sync.watermark?.maxEventDate, now())]);
          if (rule.type === 'missed_run') judged.push([rule, missedRunVerdict(rule, sync, now())]);
          if (rule.type === 'slow_run' && sync.destinationStatus === 'running' && sync.currentRunId) {
            const verdict = stillRunningVerdict(rule, await deps.runs.get(orgId, sync.currentRunId), now());
            if (verdict) judged.push([rule, verdict]);
          }
        }
        if (!judged.length) continue;
        syncs += 1;
        if (judged.some(([, verdict]) => verdict.bad)) firing += 1;
        // Stale when a completion moved the watermark, or a run started, since the read: that judged it.
        for (const [rule, verdict] of judged) await settle(deps, sync, rule, verdict);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return { syncs, firing };
}

/**
 * After a run starts: a missed-run rule judged again on a fresh read (which has this start), so
 * a firing one resolves now rather than at the next scheduled check.
 */
export async function judgeMissedRun(deps: AlertDeps, orgId: string, syncId: string): Promise<void> {
  const sync = await deps.syncs.get(orgId, syncId);
  const rule = sync?.alertRules?.find((r): r is Extract<AlertRule, { type: 'missed_run' }> => r.type === 'missed_run');
  if (!sync || !rule) return;
  await settle(deps, sync, rule, missedRunVerdict(rule, sync, deps.clock.now()));
}

function presentAlerts(sync: Sync) {
  return {
    syncId: sync.syncId,
    rules: (sync.alertRules ?? []).map((rule) => {
      const state = sync.alertStates?.[rule.type];
      const shown: AlertRuleState = state ? (state.firing ? 'firing' : 'ok') : 'pending';
      return { ...rule, state: shown, since: state?.since ?? null, detail: state?.detail ?? null };
    }),
  };
}

export async function getAlerts(deps: Deps, principal: Principal, syncId: string) {
  const orgId = requireOrgKey(principal, 'read');
  const sync = await deps.syncs.get(orgId, syncId);
  if (!sync) throw notFound(`sync ${syncId}`);
  return presentAlerts(sync);
}

/**
 * `PUT /v1/syncs/{syncId}/alerts`: replaces the rules, then judges each at once
 * (`judgeAlertRules`). A kept rule keeps its state unless the new judgment moves it; a
 * dropped rule's state is forgotten.
 */
export async function putAlerts(deps: Deps, principal: Principal, syncId: string, request: z.infer<typeof alertRulesSchema>) {
  const orgId = requireOrgKey(principal, 'admin');
  const sync = await deps.syncs.get(orgId, syncId);
  if (!sync) throw notFound(`sync ${syncId}`);
  // Only a signal sync has a watermark: on another the rule would never be judged.
  const notSignal = (type: string) => invalid(`a freshness rule needs a signal sync (one with a watermark); sync ${syncId} is of type ${type}`);
  if (sync.syncType !== 'signal' && request.rules.some((r) => r.type === 'freshness')) throw notSignal(sync.syncType);
  const kept = new Set(request.rules.map((r) => r.type));
  // Every type not kept, not just the states read: a completion may have set one since. (No
  // state map yet: none can exist, since only setting rules creates it.)
  const dropped = sync.alertStates ? ALERT_TYPES.filter((type) => !kept.has(type)) : [];
  const written = await deps.syncs.setAlertRules(orgId, syncId, request.rules, dropped);
  if (!written) {
    // The sync was deleted, or changed type, since it was read: say which, nothing written.
    const now = await deps.syncs.get(orgId, syncId);
    if (!now) throw notFound(`sync ${syncId}`);
    throw notSignal(now.syncType);
  }
  // A firing rule removed: whoever paged on alert.fired hears it is over. Told from the rules and
  // states as the write found them (not as read before), by the write that removed them, so
  // two removals at once tell once; before the audit entry, so its failure cannot lose it.
  const at = deps.clock.now();
  for (const type of dropped) {
    const state = written.previousStates[type];
    const rule = written.previousRules.find((r) => r.type === type);
    if (!state?.firing || !rule) continue;
    await publishQuietly(
      deps.notifier,
      newEvent('alert.resolved', orgId, at, {
        alert: { syncId, syncName: sync.name, destinationName: sync.destination.name, connectionType: sync.destination.connectionType, rule, state: 'resolved', detail: 'rule removed', since: at.toISOString(), firingSince: state.since },
      }),
    );
  }
  const actor = principal.kind === 'key' ? principal.keyId : 'root';
  await recordAudit(deps, { orgId, actor, action: 'sync.alerts_updated', target: { type: 'sync', id: syncId }, syncId, before: sync.alertRules ?? [], after: request.rules });
  await judgeAlertRules(deps, (await deps.syncs.get(orgId, syncId))!);
  return presentAlerts((await deps.syncs.get(orgId, syncId))!);
}
