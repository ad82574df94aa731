import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createOrgWithKeys, ROOT_KEY, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { startReceiver, type Received } from '../support/receiver.ts';

/** What a receiver does with the secret: recompute the signature over the raw body. */
function verify(received: Received, secret: string): boolean {
  const [t, v1] = received.headers['synctrail-signature']!.split(',').map((part) => part.split('=')[1]!);
  const expected = createHmac('sha256', secret).update(`${t}.${received.body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1!, 'hex'));
}

const SYNC = {
  name: 'High-value customers',
  syncType: 'audience',
  operation: 'upsert',
  source: { id: 'seg-42', type: 'DataWarehouse::FilterSegmentSource', name: 'High value' },
  destination: { id: 'meta', name: 'Meta Ads — Main', connectionType: 'Meta Ads' },
};

describe('webhooks', () => {
  let stack: TestStack;
  let api: Api;
  let org: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.url);
    org = await createOrgWithKeys(api, 'acme');
    await api.put('/v1/syncs/hv-meta', org.key, SYNC);
  });
  afterEach(async () => {
    await stack.idle();
    for (const hook of (await api.get('/v1/webhooks', org.adminKey)).body.items) await api.del(`/v1/webhooks/${hook.webhookId}`, org.adminKey);
    await receiver?.close();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('are created by admins with a secret shown once, listed without it, and audited', async () => {
    // Arrange
    receiver = await startReceiver();

    // Act
    const created = await api.post('/v1/webhooks', org.adminKey, { url: receiver.url, description: 'ops channel' });
    const listed = await api.get('/v1/webhooks', org.adminKey);

    // Assert
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body.events).toEqual(['run.started', 'run.completed', 'alert.fired', 'alert.resolved']);
    expect(listed.body.items).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    const audit = await api.get('/v1/audit', org.key);
    expect(audit.body.items[0]).toMatchObject({ action: 'webhook.created', target: { type: 'webhook', id: created.body.webhookId } });
  });

  it('refuse bad input and keys without the admin scope, writing nothing', async () => {
    receiver = await startReceiver();
    expect((await api.post('/v1/webhooks', org.key, { url: receiver.url })).status).toBe(403);
    expect((await api.post('/v1/webhooks', ROOT_KEY, { url: receiver.url })).status).toBe(403);
    for (const body of [{ url: 'ftp://x.example/' }, { url: 'not a url' }, { url: 'https://user:pw@x.example/' }, { url: receiver.url, events: ['run.exploded'] }, { url: receiver.url, events: [] }, { url: receiver.url, extra: 1 }]) {
      const answer = await api.post('/v1/webhooks', org.adminKey, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
    }
    expect((await api.post('/v1/webhooks/whk_nope/test', org.adminKey)).status).toBe(400);
    expect((await api.post('/v1/webhooks/whk_00000000000000000000000000/test', org.adminKey)).status).toBe(404);
    expect((await api.get('/v1/webhooks', org.adminKey)).body.items).toEqual([]);
  });

  it('test-send a signed event that the receiver can verify, and log the delivery', async () => {
    // Arrange
    receiver = await startReceiver();
    const hook = (await api.post('/v1/webhooks', org.adminKey, { url: receiver.url })).body;

    // Act
    const delivery = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);

    // Assert
    expect(delivery.status).toBe(200);
    expect(delivery.body).toMatchObject({ state: 'delivered', eventType: 'webhook.test', attempts: [{ status: 200, error: null }] });
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.json).toMatchObject({ type: 'webhook.test', orgId: 'acme', id: delivery.body.eventId });
    expect(got.headers['synctrail-event-type']).toBe('webhook.test');
    expect(verify(got, hook.secret)).toBe(true);
    expect(verify(got, 'whsec_wrong')).toBe(false);
    const log = await api.get(`/v1/webhooks/${hook.webhookId}/deliveries`, org.adminKey);
    expect(log.body.items.map((d: { deliveryId: string }) => d.deliveryId)).toEqual([delivery.body.deliveryId]);
  });

  it('retry 5xx and 429 with backoff until delivered, and give up on a 4xx at once or after the last attempt', async () => {
    // Arrange
    receiver = await startReceiver([503, 429]);
    const hook = (await api.post('/v1/webhooks', org.adminKey, { url: receiver.url })).body;

    // Act + Assert: two failures, then delivered
    const retried = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    expect(retried.body.state).toBe('delivered');
    expect(retried.body.attempts.map((a: { status: number }) => a.status)).toEqual([503, 429, 200]);
    // Each attempt is signed afresh and numbered; the event is the same.
    expect(receiver.received.map((r) => r.headers['synctrail-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(receiver.received.map((r) => r.json.id)).size).toBe(1);

    // A 404 is not worth retrying.
    receiver.answerNext(404);
    const refused = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    expect(refused.body).toMatchObject({ state: 'failed', attempts: [{ status: 404 }] });

    // Always 500: four attempts, then failed.
    receiver.answerNext(500, 500, 500, 500);
    const exhausted = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    expect(exhausted.body.state).toBe('failed');
    expect(exhausted.body.attempts).toHaveLength(4);

    // Nobody listening: no answer, retried, failed, with the error.
    await receiver.close();
    const unreachable = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    expect(unreachable.body.state).toBe('failed');
    expect(unreachable.body.attempts.every((a: { status: number | null; error: string }) => a.status === null && a.error)).toBe(true);

    const log = await api.get(`/v1/webhooks/${hook.webhookId}/deliveries`, org.adminKey);
    expect(log.body.items.map((d: { state: string }) => d.state)).toEqual(['failed', 'failed', 'failed', 'delivered']);
  });

  it('receive run.started and run.completed with the run summary, as each webhook subscribed', async () => {
    // Arrange
    receiver = await startReceiver();
    const completedOnly = await startReceiver();
    const all = (await api.post('/v1/webhooks', org.adminKey, { url: receiver.url })).body;
    await api.post('/v1/webhooks', org.adminKey, { url: completedOnly.url, events: ['run.completed'] });

    // Act
    await api.post('/v1/syncs/hv-meta/runs', org.key, { runId: 'ev-1' });
    await api.post('/v1/syncs/hv-meta/runs', org.key, { runId: 'ev-1' }); // a retried start announces nothing twice
    await api.post('/v1/runs/ev-1/batches', org.key, {
      batchType: 'records_updated',
      batchNumber: 0,
      startedAt: '2026-11-23T06:00:00Z',
      endedAt: '2026-11-23T06:00:01Z',
      records: [
        { identifier: 'a', payload: {}, status: 'succeeded' },
        { identifier: 'b', payload: {}, status: 'rejected', statusMessage: 'Invalid email format' },
      ],
    });
    await api.post('/v1/runs/ev-1/complete', org.key, {});
    await api.post('/v1/runs/ev-1/complete', org.key, {}); // so does a retried completion
    await stack.idle();

    // Assert
    expect(receiver.received.map((r) => r.json.type)).toEqual(['run.started', 'run.completed']);
    const completed = receiver.ofType('run.completed')[0]!;
    expect(completed.json.data.run).toMatchObject({ runId: 'ev-1', syncId: 'hv-meta', status: 'partial_complete', itemsTotal: 2, itemsProcessed: 1, itemsFailed: 1, coverageRate: 0.5, connectionType: 'Meta Ads' });
    expect(verify(completed, all.secret)).toBe(true);
    expect(completedOnly.received.map((r) => r.json.type)).toEqual(['run.completed']);
    await completedOnly.close();
  });
});
