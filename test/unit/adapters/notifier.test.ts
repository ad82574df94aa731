import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DirectNotifier, EventBridgeNotifier } from '#adapters/notifier.ts';
import type { Deps } from '#domain/ports.ts';
import { queuedRetriesSchema, type QueuedRetries, type Webhook, type WebhookDelivery } from '#domain/webhooks.ts';

const client = new EventBridgeClient({ region: 'eu-west-1' });
const eventBridge = mockClient(client);

beforeEach(() => {
  eventBridge.reset();
});

function queuedRetries(overrides: Partial<QueuedRetries> = {}): QueuedRetries {
  return {
    orgId: 'acme',
    webhookId: 'whk_0000000000000000000000000a',
    deliveryId: 'dlv_0000000000000000000000000b',
    event: { id: 'evt_1', type: 'webhook.test', orgId: 'acme', createdAt: '2026-11-23T06:00:00.000Z', data: { webhookId: 'whk_0000000000000000000000000a' } },
    attempts: [{ at: '2026-11-23T06:00:00.000Z', ms: 3, status: null, error: 'connect ECONNREFUSED 127.0.0.1:9' }],
    ...overrides,
  };
}

/** Deps with a webhook store and a sender that answer from memory: what `continueDelivery` touches. */
function fakeDeps(statuses: number[]) {
  const hook: Webhook = { orgId: 'acme', webhookId: 'whk_0000000000000000000000000a', url: 'https://hooks.example.com/x', events: [], secret: 'whsec_x', createdAt: '2026-11-23T06:00:00.000Z', createdBy: 'root' };
  const recorded: WebhookDelivery[] = [];
  const sent: Array<Record<string, string>> = [];
  const deps = {
    clock: { now: () => new Date() },
    config: { webhookRetryDelaysMs: [1, 1, 1] },
    webhooks: { get: async (orgId: string, id: string) => (orgId === hook.orgId && id === hook.webhookId ? hook : undefined), recordDelivery: async (d: WebhookDelivery) => void recorded.push(d) },
    webhookSender: { post: async (_url: string, headers: Record<string, string>) => (sent.push(headers), { status: statuses.shift() ?? 200 }) },
  } as unknown as Deps;
  return { deps, recorded, sent };
}

describe('EventBridgeNotifier', () => {
  it('queues retries as one internal entry on the bus, whose detail the delivery job reads back', async () => {
    // Arrange
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
    const queued = queuedRetries();
    // Act
    await new EventBridgeNotifier(client, 'synctrail-bus').queueRetries(queued);
    // Assert
    const [entry] = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(entry).toMatchObject({ EventBusName: 'synctrail-bus', Source: 'synctrail.internal', DetailType: 'Webhook Retries Queued' });
    expect(queuedRetriesSchema.parse(JSON.parse(entry!.Detail!))).toEqual(queued);
    // No secret travels on the bus.
    expect(entry!.Detail).not.toContain('whsec_');
  });

  it('throws when EventBridge refuses the entry, so the test-send reports nothing queued', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    await expect(new EventBridgeNotifier(client, 'b').queueRetries(queuedRetries())).rejects.toThrow('EventBridge refused the queued webhook retries: InternalFailure try again');
  });
});

describe('DirectNotifier', () => {
  it('runs queued retries in the background from the attempt after the last, logging the delivery after each', async () => {
    // Arrange
    const { deps, recorded, sent } = fakeDeps([503]);
    const notifier = new DirectNotifier(() => deps);
    // Act
    await notifier.queueRetries(queuedRetries());
    await notifier.idle();
    // Assert
    expect(sent.map((h) => h['synctrail-attempt'])).toEqual(['2', '3']);
    expect(sent.every((h) => h['synctrail-delivery-id'] === 'dlv_0000000000000000000000000b')).toBe(true);
    expect(recorded.map((d) => [d.state, d.attempts.length, d.finishedAt === null])).toEqual([
      ['retrying', 2, true],
      ['delivered', 3, false],
    ]);
    expect(new Set(recorded.map((d) => d.createdAt))).toEqual(new Set(['2026-11-23T06:00:00.000Z']));
  });

  it('sends nothing more for a webhook deleted before the retries ran', async () => {
    const { deps, recorded, sent } = fakeDeps([]);
    const notifier = new DirectNotifier(() => deps);
    await notifier.queueRetries(queuedRetries({ webhookId: 'whk_0000000000000000000000000z' }));
    await notifier.idle();
    expect(sent).toEqual([]);
    expect(recorded).toEqual([]);
  });

  it('stops after the last configured attempt', async () => {
    const { deps, recorded, sent } = fakeDeps([500, 500, 500, 500]);
    const notifier = new DirectNotifier(() => deps);
    await notifier.queueRetries(queuedRetries());
    await notifier.idle();
    expect(sent).toHaveLength(3);
    expect(recorded.at(-1)).toMatchObject({ state: 'failed', attempts: [{ status: null }, { status: 500 }, { status: 500 }, { status: 500 }] });
  });
});

describe('queued retries', () => {
  it('are refused when malformed: no attempt yet, a bad webhook id, an unknown event type', () => {
    expect(queuedRetriesSchema.safeParse(queuedRetries({ attempts: [] })).success).toBe(false);
    expect(queuedRetriesSchema.safeParse({ ...queuedRetries(), webhookId: 'whk_nope' }).success).toBe(false);
    expect(queuedRetriesSchema.safeParse({ ...queuedRetries(), event: { ...queuedRetries().event, type: 'run.exploded' } }).success).toBe(false);
  });
});
