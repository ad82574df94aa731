import { describe, expect, it } from 'vitest';
import type { Principal } from '#domain/keys.ts';
import type { Deps } from '#domain/ports.ts';
import type { QueuedRetries, Webhook, WebhookDelivery } from '#domain/webhook-entity.ts';
import { TEST_ATTEMPT_TIMEOUT_MS, testWebhook } from '#domain/webhooks.ts';

const ADMIN: Principal = { kind: 'key', orgId: 'acme', keyId: 'key_admin', scopes: ['admin'] };
const HOOK: Webhook = { orgId: 'acme', webhookId: 'whk_0000000000000000000000000a', url: 'https://hooks.example.com/x', events: [], secret: 'whsec_x', createdAt: '2026-11-23T06:00:00.000Z', createdBy: 'root' };

/** Deps for a test-send: one webhook, a sender answering `status` (or throwing), a queue that may refuse. */
function testSendDeps(options: { status?: number; retryDelaysMs?: number[]; queue?: (queued: QueuedRetries) => Promise<void> }) {
  const recorded: WebhookDelivery[] = [];
  const queued: QueuedRetries[] = [];
  const timeouts: number[] = [];
  const deps = {
    clock: { now: () => new Date() },
    config: { webhookRetryDelaysMs: options.retryDelaysMs ?? [1_000, 5_000, 30_000] },
    webhooks: { get: async () => HOOK, recordDelivery: async (d: WebhookDelivery) => void recorded.push(d) },
    webhookSender: {
      post: async (_url: string, _headers: Record<string, string>, _body: string, timeoutMs: number) => {
        timeouts.push(timeoutMs);
        if (options.status === undefined) throw new Error('connect ECONNREFUSED');
        return { status: options.status };
      },
    },
    notifier: { publish: async () => undefined, queueRetries: options.queue ?? (async (q: QueuedRetries) => void queued.push(q)) },
  } as unknown as Deps;
  return { deps, recorded, queued, timeouts };
}

describe('testWebhook', () => {
  it('bounds the first attempt by the test timeout, well under the API function\'s', async () => {
    const { deps, timeouts } = testSendDeps({ status: 200 });
    await testWebhook(deps, ADMIN, HOOK.webhookId);
    expect(timeouts).toEqual([TEST_ATTEMPT_TIMEOUT_MS]);
    expect(TEST_ATTEMPT_TIMEOUT_MS).toBeLessThanOrEqual(8_000);
  });

  it('queues the rest of the delivery after a failure that may pass, without the secret', async () => {
    // Arrange
    const { deps, recorded, queued } = testSendDeps({});
    // Act
    const answer = await testWebhook(deps, ADMIN, HOOK.webhookId);
    // Assert
    expect(answer).toMatchObject({ delivered: false, retriesQueued: true, state: 'retrying', finishedAt: null, attempt: { status: null, error: 'connect ECONNREFUSED' } });
    expect(queued).toEqual([{ orgId: 'acme', webhookId: HOOK.webhookId, deliveryId: answer.deliveryId, event: expect.objectContaining({ id: answer.eventId, type: 'webhook.test' }), attempts: [answer.attempt] }]);
    expect(JSON.stringify(queued)).not.toContain('whsec_');
    expect(recorded.map((d) => d.state)).toEqual(['retrying']);
  });

  it('answers and logs the delivery failed, nothing queued, when the queue refuses', async () => {
    const { deps, recorded } = testSendDeps({ status: 503, queue: async () => Promise.reject(new Error('EventBridge refused')) });
    const answer = await testWebhook(deps, ADMIN, HOOK.webhookId);
    expect(answer).toMatchObject({ delivered: false, retriesQueued: false, state: 'failed', attempt: { status: 503 } });
    expect(answer.finishedAt).toEqual(expect.any(String));
    expect(recorded.map((d) => d.state)).toEqual(['retrying', 'failed']);
    expect(new Set(recorded.map((d) => d.deliveryId)).size).toBe(1);
  });

  it('queues nothing when no retries are configured, or the answer is final', async () => {
    for (const options of [{ retryDelaysMs: [] }, { status: 404 }, { status: 204 }]) {
      const { deps, queued, recorded } = testSendDeps(options);
      const answer = await testWebhook(deps, ADMIN, HOOK.webhookId);
      expect(answer.retriesQueued, JSON.stringify(options)).toBe(false);
      expect(answer.delivered).toBe(options.status === 204);
      expect(queued).toEqual([]);
      expect(recorded).toHaveLength(1);
    }
  });
});
