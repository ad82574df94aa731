import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFreshness } from '#domain/alerts.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { startReceiver } from '../support/receiver.ts';

const audience = (name: string) => ({
  name,
  syncType: 'audience',
  operation: 'upsert',
  source: { id: 'src', type: 'DataWarehouse::Query', name: 'Model' },
  destination: { id: 'dest', name: 'Meta Ads — Main', connectionType: 'Meta Ads' },
});

/**
 * The rules that catch what a "successful" run hides: a run far smaller (or larger) than the
 * sync's usual, a run that never came, a slow run, and records extracted but never reported.
 */
describe('volume, timing and reconciliation rules', () => {
  let stack: TestStack;
  let api: Api;
  let org: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let runs = 0;

  interface RunOptions {
    error?: boolean;
    dryRun?: boolean;
    startedAt?: string;
    sourceCount?: number;
  }
  /** A run of `n` successes. */
  async function run(syncId: string, n: number, options: RunOptions = {}) {
    const runId = `run-${(runs += 1)}`;
    const started = await api.post(`/v1/syncs/${syncId}/runs`, org.key, { runId, ...(options.dryRun ? { dryRun: true } : {}), ...(options.startedAt ? { startedAt: options.startedAt } : {}) });
    expect(started.status).toBe(201);
    if (n) {
      const records = Array.from({ length: n }, (_u, i) => ({ identifier: `id-${i}`, payload: { i }, status: 'succeeded' }));
      expect((await api.post(`/v1/runs/${runId}/batches`, org.key, { batchType: 'records_updated', batchNumber: 0, startedAt: '2026-11-23T06:00:00Z', endedAt: '2026-11-23T06:00:01Z', records })).status).toBe(200);
    }
    const body = { ...(options.error ? { status: 'error', statusMessage: '503 Service Unavailable' } : {}), ...(options.sourceCount === undefined ? {} : { sourceCount: options.sourceCount }) };
    const done = await api.post(`/v1/runs/${runId}/complete`, org.key, body);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    await stack.idle();
    return runId;
  }
  const alerts = (syncId: string) =>
    receiver.received.filter((r) => r.json.type.startsWith('alert.') && r.json.data.alert.syncId === syncId).map((r) => `${r.json.type}:${r.json.data.alert.rule.type}`);
  const rule = async (syncId: string, type: string) => (await api.get(`/v1/syncs/${syncId}/alerts`, org.key)).body.rules.find((r: { type: string }) => r.type === type);

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.url);
    org = await createOrgWithKeys(api, 'acme');
    receiver = await startReceiver();
    await api.post('/v1/webhooks', org.adminKey, { url: receiver.url, events: ['alert.fired', 'alert.resolved'] });
  });
  afterAll(async () => {
    await receiver.close();
    await stack.stop();
  });

  it('refuse rules out of range, with nothing written', async () => {
    await api.put('/v1/syncs/bounds', org.key, audience('bounds'));
    const bad = [
      { type: 'volume_anomaly', drop: 1 },
      { type: 'volume_anomaly', drop: -0.1 },
      { type: 'volume_anomaly', spike: 1 },
      { type: 'volume_anomaly', spike: 1001 },
      { type: 'volume_anomaly', runs: 2 },
      { type: 'volume_anomaly', runs: 51 },
      { type: 'volume_anomaly', runs: 7.5 },
      { type: 'volume_anomaly', window: 7 },
      { type: 'missed_run' },
      { type: 'missed_run', everyHours: 0 },
      { type: 'slow_run', aboveMinutes: -1 },
      { type: 'unaccounted', above: -1 },
      { type: 'unaccounted', above: 0.5 },
      { type: 'unaccounted' },
    ];
    for (const r of bad) {
      const answer = await api.put('/v1/syncs/bounds/alerts', org.adminKey, { rules: [r] });
      expect(answer.status, JSON.stringify(r)).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
    }
    expect((await api.get('/v1/syncs/bounds/alerts', org.key)).body.rules).toEqual([]);
    expect((await api.get('/v1/audit?syncId=bounds', org.key)).body.items.filter((e: { action: string }) => e.action === 'sync.alerts_updated')).toEqual([]);

    // Defaults fill what is left out, and all eight rules fit on one sync
    const all = [
      { type: 'run_error' },
      { type: 'failed_percent', above: 5 },
      { type: 'low_coverage', below: 0.9, runs: 3 },
      { type: 'volume_anomaly' },
      { type: 'missed_run', everyHours: 24 },
      { type: 'slow_run', aboveMinutes: 60 },
      { type: 'unaccounted', above: 0 },
    ];
    const saved = await api.put('/v1/syncs/bounds/alerts', org.adminKey, { rules: all });
    expect(saved.status).toBe(200);
    expect(saved.body.rules[3]).toMatchObject({ type: 'volume_anomaly', drop: 0.5, spike: 3, runs: 7, state: 'pending' });
    // A sync just created has missed nothing yet: judged at once, ok.
    expect(saved.body.rules[4]).toMatchObject({ type: 'missed_run', state: 'ok', detail: expect.stringMatching(/^no run started since the sync was created 0\.0 h ago .*; expected every 24 h, limit 36 h$/) });
  });

  it('volume_anomaly: pending until 3 earlier runs, fires on a drop, a 0-record run and a spike, resolves on a normal run; dry and error runs count for nothing', async () => {
    // Arrange
    await api.put('/v1/syncs/vol', org.key, audience('volume'));
    await api.put('/v1/syncs/vol/alerts', org.adminKey, { rules: [{ type: 'volume_anomaly', drop: 0.5, spike: 3, runs: 7 }] });

    // Three runs make the first baseline; until then nothing is judged
    for (const n of [100, 120, 80]) await run('vol', n);
    expect(await rule('vol', 'volume_anomaly')).toMatchObject({ state: 'pending' });
    const normal = await run('vol', 90);
    expect(await rule('vol', 'volume_anomaly')).toMatchObject({ state: 'ok', detail: `run ${normal} had 90 records (0.90×) against the median of the last 3 finished runs (100 records); limits 0.5× to 3×` });

    // Act + Assert: a drop fires once, with the run
    const drop = await run('vol', 40);
    expect(alerts('vol')).toEqual(['alert.fired:volume_anomaly']);
    const fired = receiver.ofType('alert.fired').at(-1)!.json.data;
    expect(fired).toMatchObject({ alert: { rule: { type: 'volume_anomaly' }, state: 'firing', detail: `a drop: run ${drop} had 40 records (0.42×) against the median of the last 4 finished runs (95 records); limits 0.5× to 3×` }, run: { runId: drop, itemsTotal: 40 } });

    // A dry run of nothing and an error run say nothing, and are not in the baseline
    await run('vol', 0, { dryRun: true });
    await run('vol', 0, { error: true });
    expect(alerts('vol')).toEqual(['alert.fired:volume_anomaly']);

    // A normal run resolves; a run of 0 "successful" records fires again; a spike too
    await run('vol', 100);
    expect(alerts('vol')).toEqual(['alert.fired:volume_anomaly', 'alert.resolved:volume_anomaly']);
    const empty = await run('vol', 0);
    expect((await rule('vol', 'volume_anomaly')).detail).toBe(`a drop: run ${empty} had 0 records (0.00×) against the median of the last 6 finished runs (95 records); limits 0.5× to 3×`);
    await run('vol', 100);
    const spike = await run('vol', 1000);
    expect(alerts('vol')).toEqual(['alert.fired:volume_anomaly', 'alert.resolved:volume_anomaly', 'alert.fired:volume_anomaly', 'alert.resolved:volume_anomaly', 'alert.fired:volume_anomaly']);
    expect((await rule('vol', 'volume_anomaly')).detail).toMatch(new RegExp(`^a spike: run ${spike} had 1,000 records \\(11\\.11×\\) against the median of the last 7 finished runs \\(90 records\\)`));
  });

  it('volume_anomaly with drop 0 still fires on a run of 0 records against a positive baseline, and is judged when set', async () => {
    await api.put('/v1/syncs/zero', org.key, audience('zero'));
    for (const n of [5, 5, 5]) await run('zero', n);
    const empty = await run('zero', 0);

    // Act: set on a sync whose latest run was empty
    const saved = await api.put('/v1/syncs/zero/alerts', org.adminKey, { rules: [{ type: 'volume_anomaly', drop: 0, spike: 3, runs: 3 }] });
    await stack.idle();

    // Assert
    expect(saved.body.rules[0]).toMatchObject({ state: 'firing', detail: `a drop: run ${empty} had 0 records (0.00×) against the median of the last 3 finished runs (5 records); limits 0× to 3×` });
    expect(alerts('zero')).toEqual(['alert.fired:volume_anomaly']);
  });

  it('volume_anomaly is weekday-aware with 14 or more earlier runs: a quiet Sunday is judged against Sundays', async () => {
    // Arrange: three weeks of daily runs, 10 records on Sundays and 100 on other days
    await api.put('/v1/syncs/weekly', org.key, audience('weekly'));
    await api.put('/v1/syncs/weekly/alerts', org.adminKey, { rules: [{ type: 'volume_anomaly', drop: 0.5, spike: 3, runs: 7 }] });
    const day = (d: number) => new Date(Date.UTC(2026, 10, 1 + d, 6)).toISOString(); // 2026-11-01 is a Sunday
    for (let d = 0; d < 21; d += 1) await run('weekly', new Date(day(d)).getUTCDay() === 0 ? 10 : 100, { startedAt: day(d) });
    // Until three Sundays are behind a Sunday (and 14 runs in all), it is judged against every
    // day: the second and third Sundays fire, the Mondays after them resolve.
    const firstWeeks = ['alert.fired:volume_anomaly', 'alert.resolved:volume_anomaly', 'alert.fired:volume_anomaly', 'alert.resolved:volume_anomaly'];
    expect(alerts('weekly')).toEqual(firstWeeks);

    // Act: the fourth Sunday, as quiet as the others
    const sunday = await run('weekly', 12, { startedAt: day(21) });

    // Assert: ok against the median of Sundays (10), where the last 7 runs' median (100) would fire
    expect(await rule('weekly', 'volume_anomaly')).toMatchObject({ state: 'ok', detail: `run ${sunday} had 12 records (1.20×) against the median of the last 3 Sunday runs (10 records); limits 0.5× to 3×` });
    expect(alerts('weekly')).toEqual(firstWeeks);

    // A Monday of 12 is a drop against Mondays
    await run('weekly', 12, { startedAt: day(22) });
    expect(await rule('weekly', 'volume_anomaly')).toMatchObject({ state: 'firing', detail: expect.stringContaining('against the median of the last 3 Monday runs (100 records)') });
  });

  it('missed_run fires by schedule when no run started within everyHours × 1.5, once, and resolves as soon as a run starts', async () => {
    // Arrange
    await api.put('/v1/syncs/daily', org.key, audience('daily'));
    await run('daily', 3);
    const saved = await api.put('/v1/syncs/daily/alerts', org.adminKey, { rules: [{ type: 'missed_run', everyHours: 24 }] });
    expect(saved.body.rules[0]).toMatchObject({ state: 'ok', detail: expect.stringMatching(/^the last run started 0\.0 h ago .*; expected every 24 h, limit 36 h$/) });

    // Not yet missed at 35 hours
    stack.clock.advanceMs(35 * 3_600_000);
    await checkFreshness(stack.deps);
    await stack.idle();
    expect(alerts('daily')).toEqual([]);

    // Act: 37 hours, three checks at once
    stack.clock.advanceMs(2 * 3_600_000);
    await Promise.all([checkFreshness(stack.deps), checkFreshness(stack.deps), checkFreshness(stack.deps)]);
    await stack.idle();

    // Assert: fired once, saying how long
    expect(alerts('daily')).toEqual(['alert.fired:missed_run']);
    expect(await rule('daily', 'missed_run')).toMatchObject({ state: 'firing', detail: expect.stringMatching(/^the last run started 37\.0 h ago/) });

    // A dry run is no run; a run started resolves at once, before it completes
    await api.post('/v1/syncs/daily/runs', org.key, { runId: 'daily-dry', dryRun: true });
    await stack.idle();
    expect(alerts('daily')).toEqual(['alert.fired:missed_run']);
    expect((await api.post('/v1/syncs/daily/runs', org.key, { runId: 'daily-late' })).status).toBe(201);
    await stack.idle();
    expect(alerts('daily')).toEqual(['alert.fired:missed_run', 'alert.resolved:missed_run']);
    expect(await rule('daily', 'missed_run')).toMatchObject({ state: 'ok' });
  });

  it('missed_run: a check that read the sync before a run started does not fire on it', async () => {
    // Arrange: a sync whose last run is two days old, read by a check
    await api.put('/v1/syncs/raced-start', org.key, audience('raced start'));
    await api.put('/v1/syncs/raced-start/alerts', org.adminKey, { rules: [{ type: 'missed_run', everyHours: 24 }] });
    const read = (await stack.deps.syncs.get(org.orgId, 'raced-start'))!;
    await api.post('/v1/syncs/raced-start/runs', org.key, { runId: 'raced-start-1' });
    const state = { firing: true, since: stack.clock.now().toISOString(), detail: 'judged before the start' };
    const basis = { lastRunId: undefined, maxEventDate: undefined, rulesRevision: read.rulesRevision };

    // Act + Assert: the write judged on no start is refused; on the start there is, it lands
    expect(await stack.deps.syncs.transitionAlert(org.orgId, 'raced-start', 'missed_run', false, state, { ...basis, lastStartKey: null })).toBe(false);
    const now = (await stack.deps.syncs.get(org.orgId, 'raced-start'))!;
    expect(now.currentRunKey).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z#raced-start-1$/);
    expect(await stack.deps.syncs.transitionAlert(org.orgId, 'raced-start', 'missed_run', false, state, { ...basis, lastStartKey: now.currentRunKey! })).toBe(true);
  });

  it('slow_run fires when a run took longer than aboveMinutes from start to completion, and resolves on a quick one', async () => {
    await api.put('/v1/syncs/slow', org.key, audience('slow'));
    await api.put('/v1/syncs/slow/alerts', org.adminKey, { rules: [{ type: 'slow_run', aboveMinutes: 60 }] });
    const slow = await run('slow', 2, { startedAt: new Date(stack.clock.now().getTime() - 90 * 60_000).toISOString() });
    expect(await rule('slow', 'slow_run')).toMatchObject({ state: 'firing', detail: expect.stringMatching(new RegExp(`^run ${slow} took 90\\.0 min from start to completion \\(limit 60 min\\)$`)) });
    await run('slow', 2);
    expect(alerts('slow')).toEqual(['alert.fired:slow_run', 'alert.resolved:slow_run']);
  });

  it('slow_run fires by schedule on a run that hangs, before it completes, once', async () => {
    // Arrange: a run started 2 hours ago and still open
    await api.put('/v1/syncs/hung', org.key, audience('hung'));
    await api.put('/v1/syncs/hung/alerts', org.adminKey, { rules: [{ type: 'slow_run', aboveMinutes: 60 }] });
    await api.post('/v1/syncs/hung/runs', org.key, { runId: 'hung-1', startedAt: new Date(stack.clock.now().getTime() - 120 * 60_000).toISOString() });

    // Act
    await Promise.all([checkFreshness(stack.deps), checkFreshness(stack.deps)]);
    await stack.idle();

    // Assert: fired once, saying it has not completed
    expect(alerts('hung')).toEqual(['alert.fired:slow_run']);
    expect((await rule('hung', 'slow_run')).detail).toMatch(/^run hung-1 has been running for 120\.\d min since its start, not completed yet \(limit 60 min\)$/);

    // Its completion, still slow, repeats nothing; a quick run resolves
    expect((await api.post('/v1/runs/hung-1/complete', org.key, {})).status).toBe(200);
    await stack.idle();
    expect(alerts('hung')).toEqual(['alert.fired:slow_run']);
    await run('hung', 1);
    expect(alerts('hung')).toEqual(['alert.fired:slow_run', 'alert.resolved:slow_run']);

    // An open run within the limit says nothing
    await api.post('/v1/syncs/hung/runs', org.key, { runId: 'hung-3' });
    await checkFreshness(stack.deps);
    await stack.idle();
    expect(alerts('hung')).toEqual(['alert.fired:slow_run', 'alert.resolved:slow_run']);
  });

  it('sourceCount: the run shows what was extracted and never reported, the rule fires on it, and completion stays exactly-once', async () => {
    // Arrange
    await api.put('/v1/syncs/recon', org.key, audience('reconciled'));
    await api.put('/v1/syncs/recon/alerts', org.adminKey, { rules: [{ type: 'unaccounted', above: 0 }] });
    const runId = 'recon-1';
    await api.post('/v1/syncs/recon/runs', org.key, { runId });
    const records = Array.from({ length: 10 }, (_u, i) => ({ identifier: `id-${i}`, payload: {}, status: 'succeeded' }));
    await api.post(`/v1/runs/${runId}/batches`, org.key, { batchType: 'records_updated', batchNumber: 0, startedAt: '2026-11-23T06:00:00Z', endedAt: '2026-11-23T06:00:01Z', records });

    // Bad counts are refused and the run stays running
    for (const sourceCount of [-1, 1.5, '12', null, Number.MAX_SAFE_INTEGER + 1]) {
      const refused = await api.post(`/v1/runs/${runId}/complete`, org.key, { sourceCount });
      expect(refused.status, String(sourceCount)).toBe(400);
      expect(refused.body.error.code).toBe('invalid_request');
    }
    expect((await api.get(`/v1/runs/${runId}`, org.key)).body).toMatchObject({ status: 'running', sourceCount: null, unaccountedCount: null });

    // Act
    const done = await api.post(`/v1/runs/${runId}/complete`, org.key, { sourceCount: 12 });
    await stack.idle();

    // Assert: on the answer, on GET and in Sync History; the rule fired once
    expect(done.body).toMatchObject({ status: 'complete', itemsTotal: 10, sourceCount: 12, unaccountedCount: 2 });
    expect((await api.get(`/v1/runs/${runId}`, org.key)).body).toMatchObject({ sourceCount: 12, unaccountedCount: 2 });
    expect((await api.get('/v1/runs?syncId=recon', org.key)).body.items[0]).toMatchObject({ runId, sourceCount: 12, unaccountedCount: 2 });
    expect(await rule('recon', 'unaccounted')).toMatchObject({ state: 'firing', detail: `run ${runId}: 12 extracted, 10 reported, 2 unaccounted (limit 0)` });

    // The same completion again answers the run and repeats nothing; another count is a conflict
    expect((await api.post(`/v1/runs/${runId}/complete`, org.key, { sourceCount: 12 })).status).toBe(200);
    for (const body of [{ sourceCount: 10 }, {}]) {
      const conflict = await api.post(`/v1/runs/${runId}/complete`, org.key, body);
      expect(conflict.status).toBe(409);
      expect(conflict.body.error).toMatchObject({ code: 'conflict', details: { status: 'complete', sourceCount: 12 } });
    }
    await stack.idle();
    expect(alerts('recon')).toEqual(['alert.fired:unaccounted']);

    // A run that reconciles resolves it; one completed without a count keeps the state
    await run('recon', 5, { sourceCount: 5 });
    expect(alerts('recon')).toEqual(['alert.fired:unaccounted', 'alert.resolved:unaccounted']);
    const uncounted = await run('recon', 5);
    expect((await api.get(`/v1/runs/${uncounted}`, org.key)).body).toMatchObject({ sourceCount: null, unaccountedCount: null });
    expect(await rule('recon', 'unaccounted')).toMatchObject({ state: 'ok' });
    // More reported than extracted shows as a negative count, and is not "unaccounted"
    const over = await run('recon', 5, { sourceCount: 3 });
    expect((await api.get(`/v1/runs/${over}`, org.key)).body).toMatchObject({ sourceCount: 3, unaccountedCount: -2 });
    expect(alerts('recon')).toEqual(['alert.fired:unaccounted', 'alert.resolved:unaccounted']);
  });
});
