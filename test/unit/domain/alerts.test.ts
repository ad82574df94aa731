import { describe, expect, it } from 'vitest';
import type { AlertRule } from '#domain/alert-entity.ts';
import { evaluateRunAlerts, judgeAlertRules, MAX_JUDGE_ATTEMPTS } from '#domain/alerts.ts';
import type { SyncTrailEvent } from '#domain/events.ts';
import type { AlertBasis, Deps } from '#domain/ports.ts';
import type { Run } from '#domain/run-entity.ts';
import type { Sync } from '#domain/sync-entity.ts';

const NOW = new Date('2026-11-23T12:00:00Z');

/** A finished run of `total` records, `failed` of them failed. */
function finishedRun(runId: string, total: number, failed: number, overrides: Partial<Run> = {}): Run {
  return {
    orgId: 'acme',
    runId,
    syncId: 'aud',
    entityName: 'customers',
    syncType: 'audience',
    operation: 'upsert',
    source: { id: 'src', type: 'DataWarehouse::Query', name: 'Model' },
    destination: { id: 'dest', name: 'Meta Ads — Main', connectionType: 'Meta Ads', type: 'Meta Ads::Connection' },
    status: failed ? 'partial_complete' : 'complete',
    dryRun: false,
    startedAt: '2026-11-23T06:00:00Z',
    createdAt: '2026-11-23T06:00:00Z',
    executionDate: '2026-11-23T06:10:00Z',
    counts: { received: total, succeeded: total - failed, partial: 0, failed, null: 0, duplicate: 0 },
    batchCount: 1,
    itemsTotal: total,
    itemsProcessed: total - failed,
    itemsFailed: failed,
    coverageRate: total ? (total - failed) / total : null,
    payloadSchema: {},
    version: 1,
    expiresAt: '2026-12-07T06:00:00Z',
    recordsExpireAt: '2026-11-30T06:00:00Z',
    entityCounts: {},
    ...overrides,
  };
}

/** The ports the judging uses, in memory: one sync, its runs (newest first), the events published. */
function fakeDeps(options: { syncType?: Sync['syncType']; runs?: Run[]; rules: AlertRule[]; maxEventDate?: string }) {
  const runs = options.runs ?? [];
  const latest = runs[0];
  let sync: Sync = {
    orgId: 'acme',
    syncId: 'aud',
    name: 'audience sync',
    syncType: options.syncType ?? 'audience',
    operation: 'upsert',
    enabled: true,
    source: { id: 'src', type: 'DataWarehouse::Query', name: 'Model' },
    destination: { id: 'dest', name: 'Meta Ads — Main', connectionType: 'Meta Ads', type: 'Meta Ads::Connection' },
    version: 1,
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
    destinationStatus: 'ready',
    ...(latest ? { lastRun: { runId: latest.runId, status: latest.status as 'complete', executionDate: latest.executionDate! } } : {}),
    ...(options.maxEventDate ? { watermark: { maxEventDate: options.maxEventDate, runId: 'r0' } } : {}),
    alertRules: options.rules,
    alertStates: {},
  } as Sync;
  const published: SyncTrailEvent[] = [];
  /** What lands in the store just before the next writes (a completion racing the judgment), one per write. */
  const beforeWrite: Array<(sync: Sync) => Sync> = [];
  let writes = 0;
  const deps = {
    clock: { now: () => NOW },
    notifier: { publish: async (event: SyncTrailEvent) => void published.push(event) },
    runs: {
      get: async (_orgId: string, runId: string) => runs.find((r) => r.runId === runId),
      list: async () => ({ items: runs, nextCursor: null }),
    },
    syncs: {
      get: async () => structuredClone(sync),
      // The store's condition: the state moves only from the one the caller read.
      transitionAlert: async (_orgId: string, _syncId: string, type: AlertRule['type'], wasFiring: boolean, next: NonNullable<Sync['alertStates']>[AlertRule['type']], basis: AlertBasis) => {
        const landed = beforeWrite.shift();
        if (landed) sync = landed(sync);
        if ((sync.alertStates?.[type]?.firing ?? false) !== wasFiring) return false;
        if (sync.lastRun?.runId !== basis.lastRunId || sync.watermark?.maxEventDate !== basis.maxEventDate || sync.rulesRevision !== basis.rulesRevision) return false;
        writes += 1;
        sync = { ...sync, alertStates: { ...sync.alertStates, [type]: next } };
        return true;
      },
    },
  } as unknown as Deps;
  return {
    deps,
    published,
    writes: () => writes,
    state: (type: AlertRule['type']) => sync.alertStates?.[type],
    setRules: (rules: AlertRule[]) => (sync = { ...sync, alertRules: rules }),
    beforeNextWrite: (change: (sync: Sync) => Sync) => beforeWrite.push(change),
    sync: () => structuredClone(sync),
  };
}

const fired = (events: SyncTrailEvent[]) => events.map((e) => `${e.type}:${(e.data.alert as { rule: AlertRule }).rule.type}`);

describe('judging alert rules when they are set', () => {
  it('drops a verdict a completion overtook and judges the rules again on the run that completed', async () => {
    // Arrange: the latest run is healthy; a failing run completes between the judgment's read
    // and its write (that completion read the sync before the rules were stored, so it judged none)
    const healthy = finishedRun('r1', 10, 0);
    const failing = finishedRun('r2', 10, 9);
    const runs = [healthy];
    const fake = fakeDeps({ runs, rules: [{ type: 'failed_percent', above: 5 }] });
    fake.beforeNextWrite((sync) => {
      runs.unshift(failing);
      return { ...sync, lastRun: { runId: 'r2', status: 'partial_complete', executionDate: failing.executionDate! } };
    });

    // Act
    await judgeAlertRules(fake.deps, fake.sync());

    // Assert: judged on r2, not r1: firing, told once
    expect(fake.state('failed_percent')).toMatchObject({ firing: true, runId: 'r2', detail: 'run r2 failed 9 of 10 records (90.0%; limit 5%)' });
    expect(fired(fake.published)).toEqual(['alert.fired:failed_percent']);
    expect(fake.writes()).toBe(1);
  });

  it('drops a completion\'s verdict when the rules were set again between its read and its write', async () => {
    // Arrange: a failing run completes; before its write, PUT …/alerts raises the limit (and judges it itself)
    const failing = finishedRun('r1', 10, 3);
    const fake = fakeDeps({ runs: [failing], rules: [{ type: 'failed_percent', above: 10 }] });
    fake.beforeNextWrite((sync) => ({ ...sync, alertRules: [{ type: 'failed_percent', above: 50 }], rulesRevision: (sync.rulesRevision ?? 0) + 1 }));

    // Act
    await evaluateRunAlerts(fake.deps, failing);

    // Assert: the verdict on the old limit did not land, nothing fired
    expect(fake.writes()).toBe(0);
    expect(fake.published).toEqual([]);
  });

  it('gives up after MAX_JUDGE_ATTEMPTS when completions keep landing, leaving the judgment to the last of them', async () => {
    const runs = [finishedRun('r0', 10, 0)];
    const fake = fakeDeps({ runs, rules: [{ type: 'run_error' }] });
    for (let i = 1; i <= MAX_JUDGE_ATTEMPTS; i += 1) {
      fake.beforeNextWrite((sync) => {
        runs.unshift(finishedRun(`r${i}`, 10, 0));
        return { ...sync, lastRun: { runId: `r${i}`, status: 'complete', executionDate: '2026-11-23T06:10:00Z' } };
      });
    }
    await judgeAlertRules(fake.deps, fake.sync());
    expect(fake.writes()).toBe(0);
    expect(fake.state('run_error')).toBeUndefined();
  });

  it('fires a failed_percent rule at once on a latest run that breaks it, and the next completion repeats nothing', async () => {
    // Arrange: the latest run failed 2 of 3 records (67 %)
    const run = finishedRun('r1', 3, 2);
    const fake = fakeDeps({ runs: [run], rules: [{ type: 'failed_percent', above: 5 }, { type: 'run_error' }] });

    // Act
    await judgeAlertRules(fake.deps, fake.sync());

    // Assert: firing, told once with the run; run_error judged ok (no event)
    expect(fake.state('failed_percent')).toMatchObject({ firing: true, since: NOW.toISOString(), runId: 'r1', detail: 'run r1 failed 2 of 3 records (66.7%; limit 5%)' });
    expect(fake.state('run_error')).toMatchObject({ firing: false, runId: 'r1', detail: 'run r1 ended partial_complete' });
    expect(fired(fake.published)).toEqual(['alert.fired:failed_percent']);
    expect(fake.published[0]!.data).toMatchObject({ alert: { syncId: 'aud', state: 'firing' }, run: { runId: 'r1', itemsFailed: 2 } });

    // Act + Assert: the same run completing again, and the rules judged again, say nothing more
    await evaluateRunAlerts(fake.deps, run);
    await judgeAlertRules(fake.deps, fake.sync());
    expect(fired(fake.published)).toEqual(['alert.fired:failed_percent']);
  });

  it('leaves every run rule pending on a sync with no finished run, and a healthy run judges them ok', async () => {
    // Arrange
    const rules: AlertRule[] = [{ type: 'run_error' }, { type: 'failed_percent', above: 5 }, { type: 'low_coverage', below: 0.9, runs: 3 }];
    const fake = fakeDeps({ rules });

    // Act
    await judgeAlertRules(fake.deps, fake.sync());

    // Assert: nothing stored, nothing said
    expect(rules.map((r) => fake.state(r.type))).toEqual([undefined, undefined, undefined]);
    expect(fake.writes()).toBe(0);
    expect(fake.published).toEqual([]);

    // Act: a healthy run completes
    const healthy = fakeDeps({ runs: [finishedRun('r1', 10, 0)], rules });
    await evaluateRunAlerts(healthy.deps, finishedRun('r1', 10, 0));

    // Assert: each rule now has an ok state of its own, and still no event
    expect(rules.map((r) => healthy.state(r.type)?.firing)).toEqual([false, false, false]);
    expect(healthy.state('low_coverage')!.detail).toBe('coverage of the last finished run: 100.0% (threshold 90.0% over 3 runs)');
    expect(healthy.published).toEqual([]);
  });

  it('leaves failed_percent pending when the latest run had no records, and ignores a latest run past Sync History', async () => {
    const empty = fakeDeps({ runs: [finishedRun('r1', 0, 0)], rules: [{ type: 'failed_percent', above: 5 }] });
    await judgeAlertRules(empty.deps, empty.sync());
    expect(empty.state('failed_percent')).toBeUndefined();

    const expired = fakeDeps({ runs: [finishedRun('r1', 3, 2, { expiresAt: '2026-11-20T00:00:00Z' })], rules: [{ type: 'failed_percent', above: 5 }] });
    await judgeAlertRules(expired.deps, expired.sync());
    expect(expired.state('failed_percent')).toBeUndefined();
    expect(expired.published).toEqual([]);
  });

  it('judges a changed threshold again: resolves when the new limit is met, keeps `since` when it still fires', async () => {
    // Arrange: firing at 5 %
    const fake = fakeDeps({ runs: [finishedRun('r1', 3, 2)], rules: [{ type: 'failed_percent', above: 5 }] });
    await judgeAlertRules(fake.deps, fake.sync());
    const since = fake.state('failed_percent')!.since;

    // Act: 10 % is still broken by 67 %
    fake.setRules([{ type: 'failed_percent', above: 10 }]);
    await judgeAlertRules(fake.deps, fake.sync());

    // Assert: still firing, since the same, its words on the new limit, not fired again
    expect(fake.state('failed_percent')).toMatchObject({ firing: true, since, detail: 'run r1 failed 2 of 3 records (66.7%; limit 10%)' });
    expect(fired(fake.published)).toEqual(['alert.fired:failed_percent']);

    // Act: 80 % is not
    fake.setRules([{ type: 'failed_percent', above: 80 }]);
    await judgeAlertRules(fake.deps, fake.sync());

    // Assert
    expect(fake.state('failed_percent')).toMatchObject({ firing: false, detail: 'run r1 failed 2 of 3 records (66.7%; limit 80%)' });
    expect(fired(fake.published)).toEqual(['alert.fired:failed_percent', 'alert.resolved:failed_percent']);
  });

  it('judges freshness on the watermark as the schedule does: stale fires, fresh is ok', async () => {
    const stale = fakeDeps({ syncType: 'signal', rules: [{ type: 'freshness', maxAgeHours: 24 }], maxEventDate: '2026-11-21T12:00:00Z' });
    await judgeAlertRules(stale.deps, stale.sync());
    expect(stale.state('freshness')).toMatchObject({ firing: true, detail: 'newest event pushed is 48.0 h old (2026-11-21T12:00:00Z; limit 24 h)' });
    expect(stale.state('freshness')!.runId).toBeUndefined();
    expect(fired(stale.published)).toEqual(['alert.fired:freshness']);

    const fresh = fakeDeps({ syncType: 'signal', rules: [{ type: 'freshness', maxAgeHours: 24 }], maxEventDate: '2026-11-23T11:00:00Z' });
    await judgeAlertRules(fresh.deps, fresh.sync());
    expect(fresh.state('freshness')).toMatchObject({ firing: false });
    expect(fresh.published).toEqual([]);
  });

  it('fires low_coverage when the whole window of finished runs is below the threshold', async () => {
    const fake = fakeDeps({ runs: [finishedRun('r2', 10, 5), finishedRun('r1', 10, 4)], rules: [{ type: 'low_coverage', below: 0.9, runs: 2 }] });
    await judgeAlertRules(fake.deps, fake.sync());
    expect(fake.state('low_coverage')).toMatchObject({ firing: true, runId: 'r2', detail: 'coverage of the last 2 finished runs: 50.0%, 60.0% (threshold 90.0% over 2 runs)' });
    expect(fired(fake.published)).toEqual(['alert.fired:low_coverage']);
  });
});
