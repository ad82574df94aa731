import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_MAX_ITEMS } from '#domain/dlq-bulk.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { batch, syncConfig, type RecordSpec } from '../support/fixtures.ts';

let stack: TestStack;
let api: Api;

beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack.url);
});
afterAll(async () => {
  await stack.stop();
});

type Org = Awaited<ReturnType<typeof createOrgWithKeys>>;

/** `n` final failures in run `runId` of sync `syncId`, every message from `messages` in turn. */
async function deadLetters(org: Org, syncId: string, runId: string, n: number, messages: string[]) {
  await api.put(`/v1/syncs/${syncId}`, org.key, syncConfig());
  await api.post(`/v1/syncs/${syncId}/runs`, org.key, { runId });
  const specs: RecordSpec[] = Array.from({ length: n }, (_, i) => ({ identifier: `${runId}-${i}`, status: 'rejected', statusMessage: messages[i % messages.length]!, final: true }));
  const posted = await api.post(`/v1/runs/${runId}/batches`, org.key, batch({}, specs));
  expect(posted.status).toBe(200);
}

/** Every item of a listing, page after page. */
async function everything(org: Org, path: string) {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const page: any = (await api.get(`${path}?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, org.key)).body;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
/** Every dead-letter item of the org, in any state. */
const allItems = (org: Org) => everything(org, '/v1/dlq');
/** Every replay event of the org. */
const replays = (org: Org) => everything(org, '/v1/replays');

const states = (items: any[]): Record<string, number> => items.reduce((acc: Record<string, number>, item) => ({ ...acc, [item.state]: (acc[item.state] ?? 0) + 1 }), {});
const bulkAudit = async (org: Org) => ((await api.get('/v1/audit?limit=1000', org.key)).body.items as any[]).filter((entry) => entry.action.startsWith('dlq.bulk_'));

describe('bulk dead-letter actions', () => {
  it('counts on a dry run and writes nothing', async () => {
    // Arrange
    const org = await createOrgWithKeys(api, 'bulk-dry');
    await deadLetters(org, 'meta', 'r1', 6, ['Invalid email format', '503 Service Unavailable', 'rate limit exceeded']);
    // Act
    const all = await api.post('/v1/dlq/replay', org.key, { filter: { syncId: 'meta' }, dryRun: true });
    const connectivity = await api.post('/v1/dlq/discard', org.key, { filter: { runId: 'r1', category: 'connectivity' }, dryRun: true });
    const exact = await api.post('/v1/dlq/replay', org.key, { filter: { statusMessage: 'Invalid email format' }, dryRun: true });
    const prefix = await api.post('/v1/dlq/replay', org.key, { filter: { statusMessage: '503*' }, dryRun: true });
    const notExact = await api.post('/v1/dlq/replay', org.key, { filter: { statusMessage: 'Invalid email' }, dryRun: true });
    const otherSync = await api.post('/v1/dlq/replay', org.key, { filter: { syncId: 'google' }, dryRun: true });
    // Assert
    expect(all).toMatchObject({ status: 200, body: { matched: 6, remaining: false } });
    expect(all.body).toEqual({ matched: 6, remaining: false, asOf: expect.any(String) });
    expect(connectivity.body).toEqual({ matched: 4, remaining: false, asOf: expect.any(String) });
    expect(exact.body).toEqual({ matched: 2, remaining: false, asOf: expect.any(String) });
    expect(prefix.body).toEqual({ matched: 2, remaining: false, asOf: expect.any(String) });
    expect(notExact.body).toEqual({ matched: 0, remaining: false, asOf: expect.any(String) });
    expect(otherSync.body).toEqual({ matched: 0, remaining: false, asOf: expect.any(String) });
    expect(states(await allItems(org))).toEqual({ pending: 6 });
    expect(await replays(org)).toEqual([]);
    expect(await bulkAudit(org)).toEqual([]);
  });

  it('filters by createdAt with from and to', async () => {
    // Arrange: one run's items now, a later run's a day later.
    const org = await createOrgWithKeys(api, 'bulk-dates');
    await deadLetters(org, 'meta', 'early', 2, ['Invalid email format']);
    const [early] = await allItems(org);
    stack.clock.advanceDays(1);
    await deadLetters(org, 'meta', 'late', 3, ['Invalid email format']);
    const day = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86_400_000).toISOString().slice(0, 10);
    // Act
    const fromLateDay = await api.post('/v1/dlq/replay', org.key, { filter: { from: day(early.createdAt, 1) }, dryRun: true });
    const toEarlyDay = await api.post('/v1/dlq/replay', org.key, { filter: { to: day(early.createdAt, 0) }, dryRun: true });
    const exactInstant = await api.post('/v1/dlq/replay', org.key, { filter: { from: early.createdAt, to: early.createdAt }, dryRun: true });
    // Assert
    expect(fromLateDay.body).toEqual({ matched: 3, remaining: false, asOf: expect.any(String) });
    expect(toEarlyDay.body).toEqual({ matched: 2, remaining: false, asOf: expect.any(String) });
    expect(exactInstant.body.matched).toBeGreaterThanOrEqual(1);
    expect(exactInstant.body.matched).toBeLessThanOrEqual(2);
  });

  it('replays exactly the matched items, sends their events where single replays go, and audits once with the filter and counts', async () => {
    // Arrange
    const org = await createOrgWithKeys(api, 'bulk-real');
    await deadLetters(org, 'meta', 'r1', 5, ['503 Service Unavailable', 'Invalid email format']);
    await deadLetters(org, 'google', 'g1', 2, ['503 Service Unavailable']);
    const filter = { syncId: 'meta', category: 'connectivity' };
    const dry = await api.post('/v1/dlq/replay', org.key, { filter, dryRun: true });
    // Act
    const real = await api.post('/v1/dlq/replay', org.key, { filter, dryRun: false });
    const again = await api.post('/v1/dlq/replay', org.key, { filter, dryRun: false });
    // Assert
    expect(dry.body).toEqual({ matched: 3, remaining: false, asOf: expect.any(String) });
    expect(real).toMatchObject({ status: 200, body: { matched: 3, replayed: 3, remaining: false } });
    expect(real.body).toEqual({ matched: 3, replayed: 3, remaining: false });
    expect(again.body).toEqual({ matched: 0, replayed: 0, remaining: false });
    const items = await allItems(org);
    const replayed = items.filter((item) => item.state === 'replayed');
    expect(replayed.map((item) => item.identifier).sort()).toEqual(['r1-0', 'r1-2', 'r1-4']);
    expect(replayed.every((item) => item.stateChangedBy === org.keyId)).toBe(true);
    expect(states(items)).toEqual({ pending: 4, replayed: 3 });
    const events = await replays(org);
    expect(events.map((event) => event.item.itemId).sort()).toEqual(replayed.map((item) => item.itemId).sort());
    expect(events[0]).toMatchObject({ type: 'dlq.replay', by: org.keyId, item: { syncId: 'meta', statusMessage: '503 Service Unavailable', payload: expect.objectContaining({}) } });
    const audit = await bulkAudit(org);
    expect(audit).toHaveLength(2);
    expect(audit[1]).toMatchObject({
      action: 'dlq.bulk_replayed',
      actionLabel: 'Records replayed in bulk',
      actor: org.keyId,
      syncId: 'meta',
      target: { type: 'dlq', id: expect.stringMatching(/^bulk_/) },
      after: { state: 'replayed', filter, matched: 3, replayed: 3, remaining: false },
    });
    // No per-item entry for a bulk action.
    expect(((await api.get('/v1/audit?limit=1000', org.key)).body.items as any[]).filter((entry) => entry.action === 'dlq.replayed')).toEqual([]);
  });

  it('discards exactly the matched items and sends no event', async () => {
    // Arrange
    const org = await createOrgWithKeys(api, 'bulk-discard');
    await deadLetters(org, 'meta', 'r1', 4, ['Invalid email format', 'timeout']);
    // Act
    const real = await api.post('/v1/dlq/discard', org.key, { filter: { runId: 'r1', statusMessage: 'Invalid*' }, dryRun: false });
    // Assert
    expect(real.body).toEqual({ matched: 2, discarded: 2, remaining: false });
    expect(states(await allItems(org))).toEqual({ pending: 2, discarded: 2 });
    expect(await replays(org)).toEqual([]);
    expect(await bulkAudit(org)).toEqual([
      expect.objectContaining({ action: 'dlq.bulk_discarded', after: { state: 'discarded', filter: { runId: 'r1', statusMessage: 'Invalid*' }, matched: 2, discarded: 2, remaining: false } }),
    ]);
  });

  it('acts on each item once when bulk requests overlap each other and single replays and discards', async () => {
    // Arrange
    const org = await createOrgWithKeys(api, 'bulk-race');
    const n = 60;
    await deadLetters(org, 'meta', 'r1', n, ['503 Service Unavailable']);
    const singles = (await allItems(org)).slice(0, 10);
    const filter = { syncId: 'meta' };
    // Act: three bulk replays, a bulk discard and ten single actions, all at once.
    const answers = await Promise.all([
      api.post('/v1/dlq/replay', org.key, { filter, dryRun: false }),
      api.post('/v1/dlq/replay', org.key, { filter, dryRun: false }),
      api.post('/v1/dlq/discard', org.key, { filter, dryRun: false }),
      api.post('/v1/dlq/replay', org.key, { filter, dryRun: false }),
      ...singles.map((item, i) => api.post(`/v1/dlq/${item.itemId}/${i % 2 ? 'replay' : 'discard'}`, org.key)),
    ]);
    // Assert
    const [a, b, discard, c, ...single] = answers;
    for (const answer of [a, b, discard, c]) expect(answer!.status).toBe(200);
    const singleWins = single.filter((answer) => answer.status === 200);
    expect(single.every((answer) => answer.status === 200 || answer.status === 409)).toBe(true);
    const bulkReplayed = a!.body.replayed + b!.body.replayed + c!.body.replayed;
    expect(bulkReplayed + discard!.body.discarded + singleWins.length).toBe(n);
    const items = await allItems(org);
    expect(items).toHaveLength(n);
    const counts = states(items);
    expect(counts.pending).toBeUndefined();
    const singleReplays = singleWins.filter((answer) => answer.body.state === 'replayed').length;
    expect(counts.replayed).toBe(bulkReplayed + singleReplays);
    expect(counts.discarded).toBe(discard!.body.discarded + singleWins.length - singleReplays);
    // One event per replayed item, never two.
    const events = await replays(org);
    expect(events).toHaveLength(counts.replayed!);
    expect(new Set(events.map((event) => event.item.itemId)).size).toBe(counts.replayed);
    expect(await bulkAudit(org)).toHaveLength(4);
  });

  it(`acts on at most ${BULK_MAX_ITEMS} items a request and says more remain; a repeat takes the rest`, async () => {
    // Arrange
    const org = await createOrgWithKeys(api, 'bulk-cap');
    const n = BULK_MAX_ITEMS + 5;
    await deadLetters(org, 'meta', 'r1', n, ['503 Service Unavailable']);
    const filter = { runId: 'r1' };
    // Act
    const dry = await api.post('/v1/dlq/replay', org.key, { filter, dryRun: true });
    const started = performance.now();
    const first = await api.post('/v1/dlq/replay', org.key, { filter, dryRun: false });
    const firstMs = performance.now() - started;
    const second = await api.post('/v1/dlq/replay', org.key, { filter, dryRun: false });
    // Assert
    expect(dry.body).toEqual({ matched: n, remaining: false, asOf: expect.any(String) });
    expect(first.body).toEqual({ matched: BULK_MAX_ITEMS, replayed: BULK_MAX_ITEMS, remaining: true });
    expect(second.body).toEqual({ matched: 5, replayed: 5, remaining: false });
    expect(states(await allItems(org))).toEqual({ replayed: n });
    expect(await replays(org)).toHaveLength(n);
    console.log(`bulk replay of ${BULK_MAX_ITEMS} items locally: ${Math.round(firstMs)} ms`);
  }, 120_000);

  it.each([
    ['an empty filter', { filter: {}, dryRun: false }, /at least one of syncId/],
    ['no filter', { dryRun: false }, /filter/],
    ['an unknown filter key', { filter: { syncId: 'meta', state: 'pending' }, dryRun: false }, /state/],
    ['an unknown body key', { filter: { syncId: 'meta' }, dryRun: false, limit: 5 }, /limit/],
    ['a date no calendar has', { filter: { from: '2026-02-30' }, dryRun: false }, /calendar date/],
    ['a date that is none', { filter: { to: 'yesterday' }, dryRun: false }, /ISO-8601/],
    ['from after to', { filter: { from: '2026-03-02', to: '2026-03-01' }, dryRun: false }, /from is after to/],
    ['dryRun missing', { filter: { syncId: 'meta' } }, /dryRun/],
    ['dryRun not a boolean', { filter: { syncId: 'meta' }, dryRun: 'false' }, /dryRun/],
    ['an unknown category', { filter: { category: 'network' }, dryRun: false }, /category/],
    ['an unsafe syncId', { filter: { syncId: '../x' }, dryRun: false }, /syncId/],
  ])('refuses %s with 400 and writes nothing', async (_name, body, message) => {
    // Arrange
    const org = await createOrgWithKeys(api, `bulk-bad-${Math.random().toString(36).slice(2, 8)}`);
    await deadLetters(org, 'meta', 'r1', 2, ['Invalid email format']);
    // Act
    const replay = await api.post('/v1/dlq/replay', org.key, body);
    const discard = await api.post('/v1/dlq/discard', org.key, body);
    // Assert
    for (const answer of [replay, discard]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(message) });
    }
    expect(states(await allItems(org))).toEqual({ pending: 2 });
    expect(await replays(org)).toEqual([]);
    expect(await bulkAudit(org)).toEqual([]);
  });

  it("acts, with the dry run's asOf as `to`, on the items it counted and not on those dead-lettered since", async () => {
    // Arrange: 3 dead letters counted, then 2 more
    const org = await createOrgWithKeys(api, 'bulk-as-of');
    await deadLetters(org, 'as-of', 'run-counted', 3, ['Invalid email format']);
    const dry = (await api.post('/v1/dlq/discard', org.key, { filter: { syncId: 'as-of' }, dryRun: true })).body;
    stack.clock.advanceMs(1_000);
    await deadLetters(org, 'as-of', 'run-later', 2, ['Invalid email format']);

    // Act
    const done = await api.post('/v1/dlq/discard', org.key, { filter: { syncId: 'as-of', to: dry.asOf }, dryRun: false });

    // Assert
    expect(dry).toEqual({ matched: 3, remaining: false, asOf: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
    expect(done.body).toEqual({ matched: 3, discarded: 3, remaining: false });
    const items = await allItems(org);
    expect(items.filter((i) => i.runId === 'run-later').map((i) => i.state)).toEqual(['pending', 'pending']);
  });

  it('needs the ingest scope', async () => {
    const org = await createOrgWithKeys(api, 'bulk-scope');
    await deadLetters(org, 'meta', 'r1', 1, ['Invalid email format']);
    const read = (await api.post('/v1/keys', org.adminKey, { scopes: ['read'] })).body.key;
    expect((await api.post('/v1/dlq/replay', read, { filter: { syncId: 'meta' }, dryRun: true })).status).toBe(403);
    expect(states(await allItems(org))).toEqual({ pending: 1 });
  });
});
