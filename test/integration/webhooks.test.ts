import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createOrgWithKeys, ROOT_KEY, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { sweepStuckDeliveries } from '#domain/webhooks.ts';
import { closedPortUrl, startHangingReceiver, startReceiver, type Received } from '../support/receiver.ts';

/** What a receiver does with the secret: recompute the signature over the raw body. */
function verify(received: Received, secret: string): boolean {
  const [t, v1] = received.headers['synctrail-signature']!.split(',').map((part) => part.split('=')[1]!);
  const expected = createHmac('sha256', secret).update(`${t}.${received.body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1!, 'hex'));
}

/** Polls until `done` holds (a background delivery got somewhere), for at most `ms`. */
async function until(done: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
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

  it('test-send a signed event that the receiver can verify, answer it delivered with no retries queued, and log the delivery', async () => {
    // Arrange
    receiver = await startReceiver();
    const hook = (await api.post('/v1/webhooks', org.adminKey, { url: receiver.url })).body;

    // Act
    const delivery = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);

    // Assert
    expect(delivery.status).toBe(200);
    expect(delivery.body).toMatchObject({ delivered: true, retriesQueued: false, attempt: { status: 200, error: null }, state: 'delivered', eventType: 'webhook.test', attempts: [{ status: 200, error: null }] });
    expect(delivery.body.finishedAt).toEqual(expect.any(String));
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.json).toMatchObject({ type: 'webhook.test', orgId: 'acme', id: delivery.body.eventId });
    expect(got.headers['synctrail-event-type']).toBe('webhook.test');
    expect(verify(got, hook.secret)).toBe(true);
    expect(verify(got, 'whsec_wrong')).toBe(false);
    await stack.idle();
    expect(receiver.received).toHaveLength(1);
    const log = await api.get(`/v1/webhooks/${hook.webhookId}/deliveries`, org.adminKey);
    expect(log.body.items).toEqual([expect.objectContaining({ deliveryId: delivery.body.deliveryId, state: 'delivered', attempts: [expect.objectContaining({ status: 200 })] })]);
  });

  it('test-send to a receiver that is down: answer the failed first attempt at once, and run the queued retries in the background into the log', async () => {
    // Arrange
    const hook = (await api.post('/v1/webhooks', org.adminKey, { url: await closedPortUrl() })).body;

    // Act
    const started = Date.now();
    const answer = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    const elapsed = Date.now() - started;
    await stack.idle();

    // Assert
    expect(answer.status).toBe(200);
    expect(elapsed).toBeLessThan(10_000);
    expect(answer.body).toMatchObject({ delivered: false, retriesQueued: true, state: 'retrying', finishedAt: null, attempt: { status: null, error: expect.stringContaining('ECONNREFUSED') } });
    expect(answer.body.attempts).toEqual([answer.body.attempt]);
    const log = await api.get(`/v1/webhooks/${hook.webhookId}/deliveries`, org.adminKey);
    expect(log.body.items).toHaveLength(1);
    const [entry] = log.body.items;
    // The same delivery, now with every attempt: the first, then the three queued retries.
    expect(entry).toMatchObject({ deliveryId: answer.body.deliveryId, eventId: answer.body.eventId, state: 'failed', finishedAt: expect.any(String) });
    expect(entry.attempts).toHaveLength(4);
    expect(entry.attempts[0]).toEqual(answer.body.attempt);
    expect(entry.attempts.every((a: { status: number | null; error: string }) => a.status === null && a.error.includes('ECONNREFUSED'))).toBe(true);
  });

  it('test-send to a receiver that accepts and never answers: answer within the 8 s bound, retry in the background, and show the delivery retrying meanwhile', async () => {
    // Arrange
    const hanging = await startHangingReceiver();
    const hook = (await api.post('/v1/webhooks', org.adminKey, { url: hanging.url })).body;
    try {
      // Act
      const started = Date.now();
      const answer = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
      const elapsed = Date.now() - started;

      // Assert: the first attempt gave up at its bound and the answer came right after.
      expect(answer.status).toBe(200);
      expect(elapsed).toBeGreaterThanOrEqual(7_900);
      expect(elapsed).toBeLessThan(10_000);
      expect(answer.body).toMatchObject({ delivered: false, retriesQueued: true, state: 'retrying', attempt: { status: null, error: 'no answer within 8000 ms' } });
      expect(answer.body.attempt.ms).toBeLessThan(9_000);
      // The first queued retry is at the receiver, waiting: the log shows the delivery retrying.
      await until(() => hanging.arrived.length === 2 && hanging.waiting() === 1);
      const meanwhile = await api.get(`/v1/webhooks/${hook.webhookId}/deliveries`, org.adminKey);
      expect(meanwhile.body.items).toEqual([expect.objectContaining({ deliveryId: answer.body.deliveryId, state: 'retrying', finishedAt: null, attempts: [answer.body.attempt] })]);
      // The receiver comes back: the retry waiting is delivered.
      hanging.release(200);
      await stack.idle();
      const log = await api.get(`/v1/webhooks/${hook.webhookId}/deliveries`, org.adminKey);
      expect(log.body.items).toEqual([expect.objectContaining({ deliveryId: answer.body.deliveryId, state: 'delivered', finishedAt: expect.any(String) })]);
      expect(log.body.items[0].attempts.map((a: { status: number | null }) => a.status)).toEqual([null, 200]);
    } finally {
      await hanging.close();
    }
  }, 20_000);

  it('retry 5xx and 429 with backoff until delivered, and give up on a 4xx at once or after the last attempt', async () => {
    // Arrange
    receiver = await startReceiver([503, 429]);
    const hook = (await api.post('/v1/webhooks', org.adminKey, { url: receiver.url })).body;

    // Act + Assert: the answer is the first failure; two queued retries later, delivered
    const retried = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    expect(retried.body).toMatchObject({ delivered: false, retriesQueued: true, state: 'retrying', attempt: { status: 503, error: 'answered 503: ok' } });
    await stack.idle();
    const afterRetries = (await api.get(`/v1/webhooks/${hook.webhookId}/deliveries`, org.adminKey)).body.items[0];
    expect(afterRetries).toMatchObject({ deliveryId: retried.body.deliveryId, state: 'delivered' });
    expect(afterRetries.attempts.map((a: { status: number }) => a.status)).toEqual([503, 429, 200]);
    // Each attempt is signed afresh and numbered; the event is the same.
    expect(receiver.received.map((r) => r.headers['synctrail-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(receiver.received.map((r) => r.json.id)).size).toBe(1);
    expect(receiver.received.map((r) => r.headers['synctrail-delivery-id'])).toEqual([retried.body.deliveryId, retried.body.deliveryId, retried.body.deliveryId]);
    expect(receiver.received.every((r) => verify(r, hook.secret))).toBe(true);

    // A 404 is not worth retrying: final in the answer, nothing queued.
    receiver.answerNext(404);
    const refused = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    expect(refused.body).toMatchObject({ delivered: false, retriesQueued: false, state: 'failed', attempts: [{ status: 404 }] });
    await stack.idle();
    expect(receiver.received).toHaveLength(4);

    // Always 500: four attempts, then failed.
    receiver.answerNext(500, 500, 500, 500);
    const exhausted = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    expect(exhausted.body).toMatchObject({ retriesQueued: true, attempts: [{ status: 500 }] });
    await stack.idle();

    const log = await api.get(`/v1/webhooks/${hook.webhookId}/deliveries`, org.adminKey);
    expect(log.body.items.map((d: { state: string }) => d.state)).toEqual(['failed', 'failed', 'delivered']);
    expect(log.body.items[0].attempts.map((a: { status: number }) => a.status)).toEqual([500, 500, 500, 500]);
  });

  it('queued retries that were lost are queued again by the scheduled sweep, once, and given up on after an hour', async () => {
    // Arrange: the receiver answers 503 to two test-sends; the queue takes their retries and loses them
    receiver = await startReceiver([503, 503]);
    const hook = (await api.post('/v1/webhooks', org.adminKey, { url: receiver.url })).body;
    const notifier = stack.deps.notifier;
    const queueRetries = notifier.queueRetries.bind(notifier);
    notifier.queueRetries = async () => undefined;
    const lost = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    const alsoLost = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    notifier.queueRetries = queueRetries;
    expect(lost.body).toMatchObject({ retriesQueued: true, state: 'retrying' });
    expect(alsoLost.body).toMatchObject({ retriesQueued: true, state: 'retrying' });
    const entries = async () => (await api.get(`/v1/webhooks/${hook.webhookId}/deliveries`, org.adminKey)).body.items as Array<{ deliveryId: string; state: string; detail: string | null; attempts: unknown[] }>;
    const entry = async (deliveryId: string) => (await entries()).find((d) => d.deliveryId === deliveryId)!;

    // Act + Assert: within the grace period nothing is queued again (the bus may still deliver them)
    expect(await sweepStuckDeliveries(stack.deps)).toEqual({ requeued: 0 });
    expect((await entry(lost.body.deliveryId)).state).toBe('retrying');

    // Past it: queued again, once, however many sweeps run at once; the retries run and deliver
    stack.clock.advanceMs(16 * 60_000);
    const sweeps = await Promise.all([sweepStuckDeliveries(stack.deps), sweepStuckDeliveries(stack.deps)]);
    expect(sweeps.map((s) => s.requeued).sort()).toEqual([0, 2]);
    await stack.idle();
    expect(await entry(lost.body.deliveryId)).toMatchObject({ state: 'delivered', detail: null });
    expect((await entry(lost.body.deliveryId)).attempts).toHaveLength(2);
    expect(receiver.received.filter((r) => r.headers['synctrail-delivery-id'] === lost.body.deliveryId).map((r) => r.headers['synctrail-attempt'])).toEqual(['1', '2']);
    expect(await sweepStuckDeliveries(stack.deps)).toEqual({ requeued: 0 });

    // A delivery still retrying an hour after its test-send is given up on: shown failed, never retried
    receiver.answerNext(503);
    notifier.queueRetries = async () => undefined;
    const abandoned = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    notifier.queueRetries = queueRetries;
    stack.clock.advanceMs(61 * 60_000);
    const sent = receiver.received.length;
    expect(await sweepStuckDeliveries(stack.deps)).toEqual({ requeued: 0 });
    await stack.idle();
    expect(receiver.received).toHaveLength(sent);
    expect(await entry(abandoned.body.deliveryId)).toMatchObject({ state: 'failed', finishedAt: expect.any(String), detail: 'the queued retries did not run within 60 minutes; given up' });
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
