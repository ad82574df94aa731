import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFreshness } from '#domain/alerts.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { startReceiver } from '../support/receiver.ts';

const sync = (syncType: 'audience' | 'signal') => ({
  name: `${syncType} sync`,
  syncType,
  operation: syncType === 'signal' ? 'append' : 'upsert',
  source: { id: 'src', type: 'DataWarehouse::Query', name: 'Model' },
  destination: { id: `dest-${syncType}`, name: 'Meta Ads — Main', connectionType: 'Meta Ads' },
});

describe('alert rules', () => {
  let stack: TestStack;
  let api: Api;
  let org: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let runs = 0;

  /** A run of `good` successes and `bad` rejections; `error` fails it whole. */
  async function run(syncId: string, good: number, bad: number, options: { error?: boolean; maxEventDate?: string } = {}) {
    const runId = `run-${(runs += 1)}`;
    await api.post(`/v1/syncs/${syncId}/runs`, org.key, { runId });
    const records = [
      ...Array.from({ length: good }, (_u, i) => ({ identifier: `ok-${i}`, payload: {}, status: 'succeeded' })),
      ...Array.from({ length: bad }, (_u, i) => ({ identifier: `bad-${i}`, payload: {}, status: 'rejected', statusMessage: 'Invalid email format' })),
    ];
    if (records.length) await api.post(`/v1/runs/${runId}/batches`, org.key, { batchType: 'records_updated', batchNumber: 0, startedAt: '2026-11-23T06:00:00Z', endedAt: '2026-11-23T06:00:01Z', records });
    const done = await api.post(`/v1/runs/${runId}/complete`, org.key, options.error ? { status: 'error', statusMessage: '503 Service Unavailable' } : options.maxEventDate ? { maxEventDate: options.maxEventDate } : {});
    expect(done.status).toBe(200);
    await stack.idle();
    return runId;
  }
  const alerts = () => receiver.received.filter((r) => r.json.type.startsWith('alert.')).map((r) => `${r.json.type}:${r.json.data.alert.rule.type}`);

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.url);
    org = await createOrgWithKeys(api, 'acme');
    receiver = await startReceiver();
    await api.post('/v1/webhooks', org.adminKey, { url: receiver.url, events: ['alert.fired', 'alert.resolved'] });
    await api.put('/v1/syncs/aud', org.key, sync('audience'));
    await api.put('/v1/syncs/sig', org.key, sync('signal'));
  });
  afterAll(async () => {
    await receiver.close();
    await stack.stop();
  });

  it('are set by admins only, validated, and audited', async () => {
    const rules = { rules: [{ type: 'run_error' }, { type: 'failed_percent', above: 20 }, { type: 'low_coverage', below: 0.9, runs: 2 }] };
    expect((await api.put('/v1/syncs/aud/alerts', org.key, rules)).status).toBe(403);
    expect((await api.put('/v1/syncs/nope/alerts', org.adminKey, rules)).status).toBe(404);
    for (const body of [{ rules: [{ type: 'run_error' }, { type: 'run_error' }] }, { rules: [{ type: 'sky_falling' }] }, { rules: [{ type: 'failed_percent', above: 101 }] }, { rules: [{ type: 'low_coverage', below: 0.9 }] }, {}]) {
      expect((await api.put('/v1/syncs/aud/alerts', org.adminKey, body)).status, JSON.stringify(body)).toBe(400);
    }
    // Freshness is judged on a signal sync's watermark: on another sync it could never be judged.
    const notSignal = await api.put('/v1/syncs/aud/alerts', org.adminKey, { rules: [{ type: 'freshness', maxAgeHours: 24 }] });
    expect(notSignal.status).toBe(400);
    expect(notSignal.body.error).toMatchObject({ code: 'invalid_request', message: 'a freshness rule needs a signal sync (one with a watermark); sync aud is of type audience' });
    expect((await api.get('/v1/syncs/aud/alerts', org.key)).body.rules).toEqual([]);

    // A sync with no runs: nothing to judge yet, so each rule is pending (not "ok") and nothing is said.
    const saved = await api.put('/v1/syncs/aud/alerts', org.adminKey, rules);
    expect(saved.status).toBe(200);
    expect(saved.body.rules.map((r: { type: string; state: string }) => `${r.type}:${r.state}`)).toEqual(['run_error:pending', 'failed_percent:pending', 'low_coverage:pending']);
    expect(saved.body.rules[0]).toMatchObject({ since: null, detail: null });
    expect((await api.get('/v1/syncs/aud/alerts', org.key)).body.rules.map((r: { state: string }) => r.state)).toEqual(['pending', 'pending', 'pending']);
    expect(alerts()).toEqual([]);
    expect((await api.get('/v1/audit?syncId=aud', org.key)).body.items[0]).toMatchObject({ action: 'sync.alerts_updated', after: rules.rules });
  });

  it('fire once on entering the bad state and once on recovery', async () => {
    // A good run: nothing to say, and the pending rules are now judged ok.
    const good = await run('aud', 10, 0);
    expect(alerts()).toEqual([]);
    const judged = (await api.get('/v1/syncs/aud/alerts', org.key)).body.rules;
    expect(judged.map((r: { type: string; state: string }) => `${r.type}:${r.state}`)).toEqual(['run_error:ok', 'failed_percent:ok', 'low_coverage:ok']);
    expect(judged[0]).toMatchObject({ detail: `run ${good} ended complete` });
    expect(judged[2]).toMatchObject({ detail: 'coverage of the last finished run: 100.0% (threshold 90.0% over 2 runs)' });

    // An error run: run_error and failed_percent (an error run pushed nothing: all failed) fire.
    const failed = await run('aud', 5, 0, { error: true });
    expect(alerts()).toEqual(['alert.fired:run_error', 'alert.fired:failed_percent']);
    expect(receiver.ofType('alert.fired')[0]!.json.data).toMatchObject({ alert: { syncId: 'aud', state: 'firing' }, run: { runId: failed, status: 'error' } });
    expect((await api.get('/v1/syncs/aud/alerts', org.key)).body.rules[0]).toMatchObject({ type: 'run_error', state: 'firing' });

    // Still failing: no repeat of those; but coverage has now been low twice in a row (error
    // runs push nothing), so low_coverage fires. Completing a run again repeats nothing.
    const again = await run('aud', 5, 0, { error: true });
    await api.post(`/v1/runs/${again}/complete`, org.key, {});
    await api.post(`/v1/runs/${failed}/complete`, org.key, {});
    await stack.idle();
    expect(alerts()).toEqual(['alert.fired:run_error', 'alert.fired:failed_percent', 'alert.fired:low_coverage']);

    // Recovery, with too many failures still: run_error resolves, failed_percent and low_coverage stay.
    await run('aud', 7, 3);
    expect(alerts().slice(3)).toEqual(['alert.resolved:run_error']);

    // A clean run: the rest resolve.
    await run('aud', 10, 0);
    expect(alerts().slice(4)).toEqual(['alert.resolved:failed_percent', 'alert.resolved:low_coverage']);
    expect((await api.get('/v1/syncs/aud/alerts', org.key)).body.rules.every((r: { state: string }) => r.state === 'ok')).toBe(true);
  });

  it('freshness fires when a signal sync stops pushing new events, by schedule too, and only once at a time', async () => {
    // Arrange
    await api.put('/v1/syncs/sig/alerts', org.adminKey, { rules: [{ type: 'freshness', maxAgeHours: 24 }] });
    const before = alerts().length;
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

    // Act + Assert: a run whose newest event is 2 days old fires.
    await run('sig', 5, 0, { maxEventDate: hoursAgo(48) });
    expect(alerts().slice(before)).toEqual(['alert.fired:freshness']);

    // Fresh events resolve it.
    await run('sig', 5, 0, { maxEventDate: hoursAgo(1) });
    expect(alerts().slice(before)).toEqual(['alert.fired:freshness', 'alert.resolved:freshness']);

    // Two days pass with no run: the schedule notices, once, however many checks run at once.
    stack.clock.advanceDays(2);
    const checks = await Promise.all([checkFreshness(stack.deps), checkFreshness(stack.deps), checkFreshness(stack.deps)]);
    await stack.idle();
    expect(checks[0]).toMatchObject({ syncs: 1, firing: 1 });
    expect(alerts().slice(before)).toEqual(['alert.fired:freshness', 'alert.resolved:freshness', 'alert.fired:freshness']);
    const fired = receiver.ofType('alert.fired').at(-1)!.json.data.alert;
    expect(fired).toMatchObject({ syncId: 'sig', rule: { type: 'freshness', maxAgeHours: 24 }, state: 'firing' });
    expect(fired.detail).toMatch(/h old/);
  });

  it('removing a rule forgets its state; setting it again judges it anew', async () => {
    // Arrange: the freshness rule is firing (its newest event is two days old)
    expect((await api.get('/v1/syncs/sig/alerts', org.key)).body.rules[0]).toMatchObject({ state: 'firing' });
    const beforeRemoval = alerts().length;
    // Removed twice at once: whoever paged on alert.fired hears once that it is over
    await Promise.all([api.put('/v1/syncs/sig/alerts', org.adminKey, { rules: [] }), api.put('/v1/syncs/sig/alerts', org.adminKey, { rules: [] })]);
    await stack.idle();
    expect(alerts().slice(beforeRemoval)).toEqual(['alert.resolved:freshness']);
    expect(receiver.ofType('alert.resolved').at(-1)!.json.data.alert).toMatchObject({ syncId: 'sig', rule: { type: 'freshness' }, state: 'resolved', detail: 'rule removed' });
    const before = alerts().length;
    const setAt = stack.clock.now().getTime();

    // Act
    const again = await api.put('/v1/syncs/sig/alerts', org.adminKey, { rules: [{ type: 'freshness', maxAgeHours: 24 }] });
    await stack.idle();

    // Assert: a new rule, judged on the watermark now: firing since it was set, and said so
    expect(again.body.rules[0]).toMatchObject({ state: 'firing', detail: expect.stringMatching(/h old/) });
    expect(Date.parse(again.body.rules[0].since)).toBeGreaterThanOrEqual(setAt);
    expect(alerts().slice(before)).toEqual(['alert.fired:freshness']);
  });

  it('set on a sync whose latest run breaks them fire at once, once, and a changed threshold is judged again', async () => {
    // Arrange: a sync whose latest run failed 2 of 3 records (67 %)
    await api.put('/v1/syncs/broken', org.key, { ...sync('audience'), name: 'broken sync' });
    const latest = await run('broken', 1, 2);
    const before = alerts().length;

    // Act
    const saved = await api.put('/v1/syncs/broken/alerts', org.adminKey, { rules: [{ type: 'failed_percent', above: 5 }, { type: 'run_error' }] });
    await stack.idle();

    // Assert: firing in the answer and on GET, and the event is out with the run
    const expected = { type: 'failed_percent', above: 5, state: 'firing', detail: `run ${latest} failed 2 of 3 records (66.7%; limit 5%)` };
    expect(saved.status).toBe(200);
    expect(saved.body.rules[0]).toMatchObject(expected);
    expect(saved.body.rules[1]).toMatchObject({ type: 'run_error', state: 'ok', detail: `run ${latest} ended partial_complete` });
    expect((await api.get('/v1/syncs/broken/alerts', org.key)).body.rules[0]).toMatchObject(expected);
    expect(alerts().slice(before)).toEqual(['alert.fired:failed_percent']);
    expect(receiver.ofType('alert.fired').at(-1)!.json.data).toMatchObject({ alert: { syncId: 'broken', state: 'firing', rule: { type: 'failed_percent', above: 5 } }, run: { runId: latest, itemsFailed: 2 } });

    // Act + Assert: the next bad completion finds it firing already: nothing repeated, and the
    // rule's words name that run (same since)
    const since = (await api.get('/v1/syncs/broken/alerts', org.key)).body.rules[0].since;
    const next = await run('broken', 1, 3);
    expect(alerts().slice(before)).toEqual(['alert.fired:failed_percent']);
    expect((await api.get('/v1/syncs/broken/alerts', org.key)).body.rules[0]).toMatchObject({ state: 'firing', since, detail: `run ${next} failed 3 of 4 records (75.0%; limit 5%)` });

    // Act + Assert: a threshold the run meets resolves it
    const relaxed = await api.put('/v1/syncs/broken/alerts', org.adminKey, { rules: [{ type: 'failed_percent', above: 80 }, { type: 'run_error' }] });
    await stack.idle();
    expect(relaxed.body.rules[0]).toMatchObject({ state: 'ok', detail: expect.stringContaining('limit 80%') });
    expect(alerts().slice(before)).toEqual(['alert.fired:failed_percent', 'alert.resolved:failed_percent']);
  });

  it('failed_percent counts failed records, not records still in progress at completion', async () => {
    // Arrange: a run of 8 successes, 1 rejection and 3 records still in progress when it completes
    await api.put('/v1/syncs/in-flight', org.key, { ...sync('audience'), name: 'in-flight sync' });
    await api.put('/v1/syncs/in-flight/alerts', org.adminKey, { rules: [{ type: 'failed_percent', above: 10 }] });
    const before = alerts().length;
    const runId = `run-${(runs += 1)}`;
    await api.post('/v1/syncs/in-flight/runs', org.key, { runId });
    const records = [
      ...Array.from({ length: 8 }, (_u, i) => ({ identifier: `ok-${i}`, payload: {}, status: 'succeeded' })),
      { identifier: 'bad-0', payload: {}, status: 'rejected', statusMessage: 'Invalid email format' },
      ...Array.from({ length: 3 }, (_u, i) => ({ identifier: `wip-${i}`, payload: {}, status: 'in_progress' })),
    ];
    await api.post(`/v1/runs/${runId}/batches`, org.key, { batchType: 'records_updated', batchNumber: 0, startedAt: '2026-11-23T06:00:00Z', endedAt: '2026-11-23T06:00:01Z', records });

    // Act
    const done = await api.post(`/v1/runs/${runId}/complete`, org.key, {});
    await stack.idle();

    // Assert: Sync History fails the 4 items not processed (coverage 8 of 12), the rule sees 1 of 12 failed (8.3 %)
    expect(done.body).toMatchObject({ status: 'partial_complete', itemsTotal: 12, itemsProcessed: 8, itemsFailed: 4 });
    const rule = (await api.get('/v1/syncs/in-flight/alerts', org.key)).body.rules[0];
    expect(rule).toMatchObject({ state: 'ok', detail: `run ${runId} failed 1 of 12 records (8.3%; limit 10%; 3 still in progress, not counted as failed)` });
    expect(alerts().slice(before)).toEqual([]);
  });

  it('the store moves a state only while the run and watermark it was judged on are still the sync\'s', async () => {
    // Arrange: a sync with one finished run and a rule judged on it
    await api.put('/v1/syncs/raced', org.key, { ...sync('signal'), name: 'raced sync' });
    const first = await run('raced', 5, 0, { maxEventDate: '2026-11-23T05:00:00Z' });
    await api.put('/v1/syncs/raced/alerts', org.adminKey, { rules: [{ type: 'run_error' }] });
    const state = { firing: true, since: stack.clock.now().toISOString(), detail: 'judged on an older read' };

    const revision = (await stack.deps.syncs.get(org.orgId, 'raced'))!.rulesRevision;
    expect(revision).toBe(1);

    // Act + Assert: a verdict read before the latest run, before the watermark moved, or on other rules, is refused
    const stale = [
      { lastRunId: 'run-older', maxEventDate: '2026-11-23T05:00:00.000Z', rulesRevision: revision },
      { lastRunId: first, maxEventDate: '2026-11-22T05:00:00.000Z', rulesRevision: revision },
      { lastRunId: first, maxEventDate: undefined, rulesRevision: revision },
      { lastRunId: undefined, maxEventDate: '2026-11-23T05:00:00.000Z', rulesRevision: revision },
      { lastRunId: first, maxEventDate: '2026-11-23T05:00:00.000Z', rulesRevision: 0 },
      { lastRunId: first, maxEventDate: '2026-11-23T05:00:00.000Z', rulesRevision: undefined },
    ];
    for (const basis of stale) expect(await stack.deps.syncs.transitionAlert(org.orgId, 'raced', 'run_error', false, state, basis), JSON.stringify(basis)).toBe(false);
    expect((await api.get('/v1/syncs/raced/alerts', org.key)).body.rules[0]).toMatchObject({ state: 'ok' });

    // The same write on what the sync has lands
    expect(await stack.deps.syncs.transitionAlert(org.orgId, 'raced', 'run_error', false, state, { lastRunId: first, maxEventDate: '2026-11-23T05:00:00.000Z', rulesRevision: revision })).toBe(true);
    expect((await api.get('/v1/syncs/raced/alerts', org.key)).body.rules[0]).toMatchObject({ state: 'firing', detail: 'judged on an older read' });
  });

  it('a sync with a freshness rule keeps its signal type until the rule is removed, even when both change at once', async () => {
    // Arrange: a signal sync with a freshness rule
    await api.put('/v1/syncs/typed', org.key, { ...sync('signal'), name: 'typed sync' });
    await api.put('/v1/syncs/typed/alerts', org.adminKey, { rules: [{ type: 'freshness', maxAgeHours: 24 }, { type: 'run_error' }] });
    const audience = { ...sync('audience'), name: 'typed sync' };
    const before = (await api.get('/v1/syncs/typed', org.key)).body;

    // Act + Assert: changing its type is refused with what to do, and nothing is written
    const refused = await api.put('/v1/syncs/typed', org.key, audience);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'conflict',
      message: "sync typed has a freshness rule, which needs a signal sync; remove it (PUT /v1/syncs/typed/alerts) before changing the sync's type to audience",
      details: { syncType: 'signal', alertRules: ['freshness', 'run_error'] },
    });
    expect((await api.get('/v1/syncs/typed', org.key)).body).toEqual(before);

    // Both at once: a type change that read the sync before the rule was set, and a rule set
    // on what was read before the type changed, are each refused by the store
    const stored = (await stack.deps.syncs.get(org.orgId, 'typed'))!;
    const { orgId: _o, syncId: _s, version, createdAt: _c, updatedAt: _u, destinationStatus: _d, lastRun: _l, watermark: _w, alertRules: _r, alertStates: _a, currentRunId: _cr, currentRunKey: _ck, ...config } = stored;
    expect(await stack.deps.syncs.updateConfig(org.orgId, 'typed', { ...config, ...audience } as typeof config, version, new Date().toISOString())).toBe(false);
    await api.put('/v1/syncs/typed/alerts', org.adminKey, { rules: [{ type: 'run_error' }] });
    expect((await api.put('/v1/syncs/typed', org.key, audience)).status).toBe(200);
    expect(await stack.deps.syncs.setAlertRules(org.orgId, 'typed', [{ type: 'freshness', maxAgeHours: 24 }], [])).toBe(false);
    expect((await api.get('/v1/syncs/typed/alerts', org.key)).body.rules.map((r: { type: string }) => r.type)).toEqual(['run_error']);

    // Removing the rule let the type change; a signal sync again takes the rule
    expect((await api.put('/v1/syncs/typed', org.key, { ...sync('signal'), name: 'typed sync' })).status).toBe(200);
    expect((await api.put('/v1/syncs/typed/alerts', org.adminKey, { rules: [{ type: 'freshness', maxAgeHours: 24 }] })).status).toBe(200);
  });

  it('coverage health counts the runs it looked at, not its window', async () => {
    // Arrange: a sync of one finished run (coverage 50 %), window 3 by default
    await api.put('/v1/syncs/one-run', org.key, { ...sync('audience'), name: 'one run' });
    expect((await api.get('/v1/syncs/one-run/coverage', org.key)).body).toMatchObject({ window: 3, runsConsidered: 0, averageCoverage: null, lowCoverage: false });
    await run('one-run', 1, 1);

    // Act
    const coverage = (await api.get('/v1/syncs/one-run/coverage', org.key)).body;

    // Assert
    expect(coverage).toMatchObject({ window: 3, runsConsidered: 1, averageCoverage: 0.5, lowCoverage: false });
    expect(coverage.runs).toHaveLength(1);
    await run('one-run', 1, 0);
    expect((await api.get('/v1/syncs/one-run/coverage', org.key)).body).toMatchObject({ runsConsidered: 2, averageCoverage: 0.75 });
  });
});
