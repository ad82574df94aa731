import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { createDeps } from '#adapters/deps.ts';
import { DirectNotifier, EventBridgeNotifier, NO_BUS } from '#adapters/notifier.ts';
import type { Deps } from '#domain/ports.ts';
import { queuedRetriesSchema, TEST_MESSAGE, type QueuedRetries, type Webhook, type WebhookDelivery } from '#domain/webhook-entity.ts';
import { continueDelivery, presentDelivery, RETRIES_GIVE_UP_MS } from '#domain/webhooks.ts';

const client = new EventBridgeClient({ region: 'eu-west-1' });
const eventBridge = mockClient(client);

beforeEach(() => {
  eventBridge.reset();
});

/** When the test-send's first attempt was: a minute ago (retries of a delivery over an hour old are not run). */
const SENT_AT = new Date(Date.now() - 60_000).toISOString();

function queuedRetries(overrides: Partial<QueuedRetries> = {}): QueuedRetries {
  return {
    orgId: 'acme',
    webhookId: 'whk_0000000000000000000000000a',
    deliveryId: 'dlv_0000000000000000000000000b',
    event: { id: 'evt_1', type: 'webhook.test', orgId: 'acme', createdAt: SENT_AT, data: { webhookId: 'whk_0000000000000000000000000a', message: TEST_MESSAGE } },
    attempts: [{ at: SENT_AT, ms: 3, status: null, error: 'connect ECONNREFUSED 127.0.0.1:9' }],
    ...overrides,
  };
}

/**
 * Deps with a webhook store and a sender that answer from memory: what `continueDelivery`
 * touches. The delivery log holds what the test-send left (`logged`: its entry, retrying after
 * one attempt) and applies the store's condition on conditional writes.
 */
type Logged = Pick<WebhookDelivery, 'deliveryId' | 'eventId' | 'state' | 'retryRun' | 'retryRunUntil'> & { attempts: number };
function fakeDeps(statuses: number[], logged: Logged[] = [{ deliveryId: 'dlv_0000000000000000000000000b', eventId: 'evt_1', state: 'retrying', attempts: 1 }]) {
  const hook: Webhook = { orgId: 'acme', webhookId: 'whk_0000000000000000000000000a', url: 'https://hooks.example.com/x', events: [], secret: 'whsec_x', createdAt: '2026-11-23T06:00:00.000Z', createdBy: 'root' };
  const recorded: WebhookDelivery[] = [];
  const log = new Map(logged.map((entry) => [entry.deliveryId, entry]));
  const recordDelivery = async (d: WebhookDelivery, after?: { attempts: number; claimAt?: string }) => {
    const stored = log.get(d.deliveryId);
    if (after) {
      if (!(stored && stored.state === 'retrying' && stored.eventId === d.eventId && stored.attempts === after.attempts)) return false;
      if (after.claimAt ? stored.retryRunUntil !== undefined && !(stored.retryRunUntil < after.claimAt) : stored.retryRun !== d.retryRun) return false;
    }
    log.set(d.deliveryId, { deliveryId: d.deliveryId, eventId: d.eventId, state: d.state, attempts: d.attempts.length, retryRun: d.retryRun, retryRunUntil: d.retryRunUntil });
    recorded.push(d);
    return true;
  };
  const sent: Array<Record<string, string>> = [];
  const deps = {
    clock: { now: () => new Date() },
    config: { webhookRetryDelaysMs: [1, 1, 1] },
    webhooks: { get: async (orgId: string, id: string) => (orgId === hook.orgId && id === hook.webhookId ? hook : undefined), recordDelivery },
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
    // The first write claims the retries (the entry as the test-send left it) before anything is sent.
    expect(recorded.map((d) => [d.state, d.attempts.length, d.finishedAt === null])).toEqual([
      ['retrying', 1, true],
      ['retrying', 2, true],
      ['delivered', 3, false],
    ]);
    expect(new Set(recorded.map((d) => d.createdAt))).toEqual(new Set([SENT_AT]));
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

  it('are only ever a test-send: any other event, or other data, put on the bus is not signed', () => {
    const event = queuedRetries().event;
    expect(queuedRetriesSchema.safeParse({ ...queuedRetries(), event: { ...event, type: 'alert.fired' } }).success).toBe(false);
    expect(queuedRetriesSchema.safeParse({ ...queuedRetries(), event: { ...event, data: { ...event.data, message: 'pay invoice 42 to …' } } }).success).toBe(false);
    expect(queuedRetriesSchema.safeParse({ ...queuedRetries(), event: { ...event, data: { ...event.data, extra: 1 } } }).success).toBe(false);
  });

  it('of a delivery over an hour old are not run: it is shown failed, given up on', async () => {
    const old = new Date(Date.now() - RETRIES_GIVE_UP_MS - 60_000).toISOString();
    const queued = queuedRetries({ attempts: [{ at: old, ms: 3, status: 503, error: 'answered 503' }] });
    const { deps, recorded, sent } = fakeDeps([200]);
    expect(await continueDelivery(deps, queued)).toBeUndefined();
    expect(sent).toEqual([]);
    expect(recorded).toEqual([]);
    const entry: WebhookDelivery = { orgId: 'acme', webhookId: queued.webhookId, deliveryId: queued.deliveryId, eventId: 'evt_1', eventType: 'webhook.test', state: 'retrying', attempts: queued.attempts, createdAt: old, finishedAt: null, expiresAt: old };
    expect(presentDelivery(entry, new Date())).toMatchObject({ state: 'failed', finishedAt: new Date(Date.parse(old) + RETRIES_GIVE_UP_MS).toISOString(), detail: 'the queued retries did not run within 60 minutes; given up' });
    expect(presentDelivery(entry, new Date(Date.parse(old) + 60_000))).toMatchObject({ state: 'retrying', finishedAt: null, detail: null });
  });

  it('that nobody logged (forged onto the bus), for another webhook, or that already ran send nothing', async () => {
    for (const [logged, queued] of [
      [[], queuedRetries()], // no log entry: not queued by a test-send
      [[{ deliveryId: 'dlv_0000000000000000000000000b', eventId: 'evt_other', state: 'retrying' as const, attempts: 1 }], queuedRetries()], // another event's entry
      [[{ deliveryId: 'dlv_0000000000000000000000000b', eventId: 'evt_1', state: 'retrying' as const, attempts: 3 }], queuedRetries()], // redelivered: already further on
      [[{ deliveryId: 'dlv_0000000000000000000000000b', eventId: 'evt_1', state: 'delivered' as const, attempts: 2 }], queuedRetries()], // already done
      [undefined, queuedRetries({ event: { ...queuedRetries().event, data: { webhookId: 'whk_0000000000000000000000000z', message: TEST_MESSAGE } } })], // the event names another webhook
    ] as const) {
      const { deps, recorded, sent } = fakeDeps([200], logged ? [...logged] : undefined);
      expect(await continueDelivery(deps, queued)).toBeUndefined();
      expect(sent).toEqual([]);
      expect(recorded).toEqual([]);
    }
  });

  it('are taken over from a run that died mid-way once its hold ran out, not before', async () => {
    const held = { deliveryId: 'dlv_0000000000000000000000000b', eventId: 'evt_1', state: 'retrying' as const, attempts: 1, retryRun: 'run_dead' };
    const stillHeld = fakeDeps([200], [{ ...held, retryRunUntil: new Date(Date.now() + 60_000).toISOString() }]);
    expect(await continueDelivery(stillHeld.deps, queuedRetries())).toBeUndefined();
    expect(stillHeld.sent).toEqual([]);
    const ranOut = fakeDeps([200], [{ ...held, retryRunUntil: new Date(Date.now() - 1_000).toISOString() }]);
    expect(await continueDelivery(ranOut.deps, queuedRetries())).toMatchObject({ state: 'delivered', attempts: [{}, { status: 200 }] });
  });

  it('run once when the bus delivers them twice: the second run finds the entry advanced', async () => {
    const { deps, sent } = fakeDeps([503, 200]);
    const [first, second] = await Promise.all([continueDelivery(deps, queuedRetries()), continueDelivery(deps, queuedRetries())]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(sent.map((h) => h['synctrail-attempt'])).toEqual(['2', '3']);
  });
});

describe('createDeps without a bus', () => {
  const settings = { region: 'eu-west-1', table: 'synctrail', bucket: 'b', retentionDays: 14, historyRetentionDays: 14 };

  it('hands events to the local notifier it is given (local mode: DirectNotifier), else refuses them', async () => {
    // Act
    const local = createDeps(settings, undefined, undefined, { localNotifier: (own) => new DirectNotifier(own) });
    const none = createDeps(settings);

    // Assert
    expect(local.notifier).toBeInstanceOf(DirectNotifier);
    expect(none.notifier).toBe(NO_BUS);
    await expect(none.notifier.publish({ id: 'evt_1', type: 'run.started', orgId: 'acme', createdAt: '2026-11-23T06:00:00.000Z', data: {} })).rejects.toThrow('no event bus (SYNCTRAIL_EVENT_BUS) and no local delivery');
  });
});
