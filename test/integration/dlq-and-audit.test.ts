import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { batch, syncConfig } from '../support/fixtures.ts';

let stack: TestStack;
let api: Api;
let org: Awaited<ReturnType<typeof createOrgWithKeys>>;

beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack.url);
  org = await createOrgWithKeys(api, 'dlq');
  await api.put('/v1/syncs/meta', org.key, syncConfig());
  await api.put('/v1/syncs/google', org.key, syncConfig({ destination: { id: 'g', name: 'Google Ads', connectionType: 'Google Ads' } }));
  for (const [syncId, runId] of [
    ['meta', 'm1'],
    ['google', 'g1'],
  ] as const) {
    await api.post(`/v1/syncs/${syncId}/runs`, org.key, { runId });
    await api.post(
      `/v1/runs/${runId}/batches`,
      org.key,
      batch({}, [
        { identifier: `${runId}-a`, status: 'rejected', statusMessage: 'Invalid email format', final: true },
        { identifier: `${runId}-b`, status: 'rejected', statusMessage: '503 Service Unavailable' },
        { identifier: `${runId}-c`, status: 'succeeded', final: true },
        { identifier: `${runId}-d`, status: 'extraction failed', statusMessage: 'source row vanished', final: true, payload: { sku: 'X-1' } },
      ]),
    );
  }
});
afterAll(async () => {
  await stack.stop();
});

const dlq = async (query = '') => (await api.get(`/v1/dlq${query}`, org.key)).body.items;

describe('dead-letter queue', () => {
  it('holds the final failed records, and only those', async () => {
    const items = await dlq();
    expect(items.map((i: any) => i.identifier).sort()).toEqual(['g1-a', 'g1-d', 'm1-a', 'm1-d']);
    expect(items.find((i: any) => i.identifier === 'm1-d')).toMatchObject({
      syncId: 'meta',
      runId: 'm1',
      status: 'extraction_failed',
      statusMessage: 'source row vanished',
      state: 'pending',
      payload: { sku: 'X-1' },
      batchType: 'records_updated',
      rowNumber: 3,
    });
  });

  it('filters by sync and state', async () => {
    expect((await dlq('?syncId=google')).map((i: any) => i.identifier).sort()).toEqual(['g1-a', 'g1-d']);
    expect(await dlq('?state=replayed')).toEqual([]);
  });

  it('does not add items twice when the batch is posted again', async () => {
    await api.post('/v1/runs/m1/batches', org.key, batch({}, [
      { identifier: 'm1-a', status: 'rejected', statusMessage: 'Invalid email format', final: true },
      { identifier: 'm1-b', status: 'rejected', statusMessage: '503 Service Unavailable' },
      { identifier: 'm1-c', status: 'succeeded', final: true },
      { identifier: 'm1-d', status: 'extraction failed', statusMessage: 'source row vanished', final: true, payload: { sku: 'X-1' } },
    ]));
    expect(await dlq('?syncId=meta')).toHaveLength(2);
  });

  it('replays an item: marks it replayed, emits an event the producer can list, audits it', async () => {
    // Arrange
    const item = (await dlq('?syncId=meta')).find((i: any) => i.identifier === 'm1-a');
    // Act
    const replayed = await api.post(`/v1/dlq/${item.itemId}/replay`, org.key);
    // Assert
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ state: 'replayed', stateChangedBy: org.keyId, eventId: expect.stringMatching(/^evt_/) });
    const events = (await api.get('/v1/replays', org.key)).body.items;
    expect(events).toEqual([
      expect.objectContaining({ eventId: replayed.body.eventId, type: 'dlq.replay', by: org.keyId, item: expect.objectContaining({ itemId: item.itemId, identifier: 'm1-a', syncId: 'meta', runId: 'm1', payload: item.payload }) }),
    ]);
    const audit = (await api.get('/v1/audit?syncId=meta', org.key)).body.items;
    expect(audit[0]).toMatchObject({ action: 'dlq.replayed', actor: org.keyId, target: { type: 'dlq', id: item.itemId }, before: { state: 'pending' }, after: { state: 'replayed' } });
  });

  it('discards an item, and refuses illegal transitions with 409', async () => {
    const [replayed] = await dlq('?state=replayed');
    const pending = (await dlq('?state=pending')).find((i: any) => i.identifier === 'g1-a');
    expect((await api.post(`/v1/dlq/${pending.itemId}/discard`, org.key)).body.state).toBe('discarded');
    for (const [itemId, action] of [
      [replayed.itemId, 'replay'],
      [replayed.itemId, 'discard'],
      [pending.itemId, 'replay'],
      [pending.itemId, 'discard'],
    ]) {
      const response = await api.post(`/v1/dlq/${itemId}/${action}`, org.key);
      expect(response.status).toBe(409);
      expect(response.body.error.message).toMatch(/only pending items/);
    }
    expect((await api.get('/v1/replays', org.key)).body.items).toHaveLength(1);
  });

  it('handles concurrent replays of one item exactly once', async () => {
    const [item] = await dlq('?state=pending&syncId=google');
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.post(`/v1/dlq/${item.itemId}/replay`, org.key)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    expect((await api.get('/v1/replays', org.key)).body.items).toHaveLength(2);
  });

  it('answers 404 for unknown items, 400 for malformed ids, 403 for a read-only key', async () => {
    expect((await api.post(`/v1/dlq/dlq_${'0'.repeat(32)}/replay`, org.key)).status).toBe(404);
    expect((await api.post('/v1/dlq/nope/replay', org.key)).status).toBe(400);
    const read = (await api.post('/v1/keys', org.adminKey, { scopes: ['read'] })).body.key;
    const [item] = await dlq('?state=pending');
    expect((await api.post(`/v1/dlq/${item.itemId}/replay`, read)).status).toBe(403);
    expect((await api.get('/v1/dlq', read)).status).toBe(200);
  });
});

describe('audit log', () => {
  it('lists configuration, key and DLQ changes newest first, filtered by sync and time', async () => {
    await api.put('/v1/syncs/meta', org.key, syncConfig({ name: 'Renamed' }));
    const all = (await api.get('/v1/audit', org.key)).body.items;
    expect(all[0]).toMatchObject({ action: 'sync.updated', syncId: 'meta', before: { name: 'High-value customers' }, after: { name: 'Renamed' }, at: expect.any(String) });
    const actions = all.map((e: any) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['org.created', 'key.created', 'sync.created', 'sync.updated', 'dlq.replayed', 'dlq.discarded']));
    const times = all.map((e: any) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await api.get('/v1/audit?syncId=google', org.key)).body.items.every((e: any) => e.syncId === 'google')).toBe(true);
    expect((await api.get('/v1/audit?to=2000-01-01', org.key)).body.items).toEqual([]);
    const page = (await api.get('/v1/audit?limit=2', org.key)).body;
    const next = (await api.get(`/v1/audit?limit=2&cursor=${page.nextCursor}`, org.key)).body;
    expect([...page.items, ...next.items].map((e: any) => e.auditId)).toEqual(all.slice(0, 4).map((e: any) => e.auditId));
  });

  it('names each action in words and each actor by its key label, the key id beside it, revoked keys too', async () => {
    // Arrange: a labelled key that acts and is then revoked, an unlabelled key, and the admin key.
    const deployer = (await api.post('/v1/keys', org.adminKey, { scopes: ['ingest'], label: 'CI deployer' })).body;
    const unlabelled = (await api.post('/v1/keys', org.adminKey, { scopes: ['ingest'] })).body;
    await api.put('/v1/syncs/by-deployer', deployer.key, syncConfig());
    expect((await api.del(`/v1/keys/${deployer.keyId}`, org.adminKey)).status).toBe(200);
    await api.put('/v1/syncs/by-unlabelled', unlabelled.key, syncConfig());
    await api.put('/v1/syncs/by-unlabelled/alerts', org.adminKey, { rules: [{ type: 'run_error' }] });
    const webhook = (await api.post('/v1/webhooks', org.adminKey, { url: 'https://hooks.example.com/audit' })).body;
    await api.del(`/v1/webhooks/${webhook.webhookId}`, org.adminKey);
    // Act
    const items = (await api.get('/v1/audit', org.key)).body.items;
    // Assert
    // The org's admin key is the one the root key minted with the org.
    const adminKeyId = items.find((e: any) => e.action === 'key.created' && e.actor === 'root').target.id;
    const of = (action: string, targetId: string) => items.find((e: any) => e.action === action && e.target.id === targetId);
    expect(of('sync.created', 'by-deployer')).toMatchObject({ actionLabel: 'Sync created', actor: deployer.keyId, actorLabel: 'CI deployer' });
    expect(of('key.revoked', deployer.keyId)).toMatchObject({ actionLabel: 'Key revoked', actor: adminKeyId, actorLabel: 'org admin key' });
    expect(of('sync.created', 'by-unlabelled')).toMatchObject({ actor: unlabelled.keyId, actorLabel: `key ${unlabelled.keyId}` });
    expect(of('sync.alerts_updated', 'by-unlabelled')).toMatchObject({ actionLabel: 'Alert rules changed', actorLabel: 'org admin key' });
    expect(of('webhook.created', webhook.webhookId)).toMatchObject({ actionLabel: 'Webhook added', actorLabel: 'org admin key' });
    expect(of('webhook.deleted', webhook.webhookId)).toMatchObject({ actionLabel: 'Webhook removed', actorLabel: 'org admin key' });
    expect(of('org.created', 'dlq')).toMatchObject({ actionLabel: 'Org created', actor: 'root', actorLabel: 'root key' });
    expect(items.filter((e: any) => e.action.startsWith('dlq.')).map((e: any) => [e.actionLabel, e.actorLabel])).toEqual(expect.arrayContaining([['Record replayed', 'producer']]));
    for (const entry of items) expect(entry.actionLabel).not.toContain('.');
  });
});

describe("another org's key", () => {
  it('gets 404 on every query-side endpoint, and sees nothing in lists', async () => {
    const other = await createOrgWithKeys(api, 'dlq-other');
    const [item] = await dlq();
    const statuses = [
      (await api.get('/v1/runs/m1/records', other.key)).status,
      (await api.get('/v1/runs/m1/records/export', other.key)).status,
      (await api.get('/v1/runs/m1/errors', other.key)).status,
      (await api.post(`/v1/dlq/${item.itemId}/replay`, other.key)).status,
      (await api.post(`/v1/dlq/${item.itemId}/discard`, other.key)).status,
    ];
    expect(statuses).toEqual([404, 404, 404, 404, 404]);
    expect((await api.get('/v1/dlq', other.key)).body.items).toEqual([]);
    expect((await api.get('/v1/replays', other.key)).body.items).toEqual([]);
    expect((await api.get('/v1/audit', other.key)).body.items.map((e: any) => e.action).sort()).toEqual(['key.created', 'key.created', 'org.created']);
  });
});
