import { createHmac, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { recordAudit } from './audit.ts';
import { requireOrgKey } from './authz.ts';
import { conflict, invalid, notFound } from './errors.ts';
import { EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES, newEvent, type EventType, type SyncTrailEvent } from './events.ts';
import { newId } from './ids.ts';
import type { Principal } from './keys.ts';
import type { PageRequest } from './paging.ts';
import type { Deps } from './ports.ts';
import { cursorSchema, limitSchema } from './query-params.ts';
import { ALERT_EVENT_TYPES, webhookBody } from './webhook-formats.ts';
import { formatOf, queuedRetriesSchema, TEST_MESSAGE, WEBHOOK_FORMATS, type DeliveryAttempt, type QueuedRetries, type Webhook, type WebhookDelivery } from './webhook-entity.ts';

/** An org may have this many webhooks. */
export const MAX_WEBHOOKS_PER_ORG = 20;
/** A receiver has this long to answer one attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Deliveries stay in the log this long. */
export const DELIVERY_LOG_DAYS = 14;
/** Waits before each attempt after the first (with ±20% jitter): four attempts within a minute. */
export const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000, 30_000];

export const SIGNATURE_HEADER = 'synctrail-signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook's secret>`: the
 * receiver recomputes it over the raw body, compares in constant time, and refuses a `t`
 * too far from its clock (replays).
 */
export function signatureHeader(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

const webhookUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without credentials');

/** A PagerDuty integration key (Events API v2), as PagerDuty issues them. */
export const ROUTING_KEY_PATTERN = /^[A-Za-z0-9]{32}$/;

const isAlertEvent = (type: EventType) => (ALERT_EVENT_TYPES as readonly EventType[]).includes(type);

export const createWebhookSchema = z
  .strictObject({
    url: webhookUrl,
    events: z.array(z.enum(SUBSCRIBABLE_EVENT_TYPES as unknown as [EventType, ...EventType[]])).min(1).max(EVENT_TYPES.length).optional(),
    description: z.string().trim().min(1).max(256).optional(),
    format: z.enum(WEBHOOK_FORMATS).optional().meta({ description: 'synctrail (default: the signed event), slack (an incoming-webhook message) or pagerduty (an Events API v2 event)' }),
    routingKey: z.string().regex(ROUTING_KEY_PATTERN, 'must be a PagerDuty integration key: 32 letters and digits').optional().meta({ description: 'pagerduty only, and required there: the Events API v2 integration key' }),
  })
  .superRefine((body, ctx) => {
    const format = body.format ?? 'synctrail';
    if (format === 'pagerduty' && body.routingKey === undefined) {
      ctx.addIssue({ code: 'custom', path: ['routingKey'], message: 'required for the pagerduty format: the integration key of a PagerDuty Events API v2 integration' });
    }
    if (format !== 'pagerduty' && body.routingKey !== undefined) ctx.addIssue({ code: 'custom', path: ['routingKey'], message: `only the pagerduty format takes a routingKey, not ${format}` });
    // run.completed pages on an error run and resolves on the next finished one; a start has nothing to page on.
    const starts = format === 'pagerduty' ? (body.events ?? []).filter((type) => !isAlertEvent(type) && type !== 'run.completed') : [];
    if (starts.length) ctx.addIssue({ code: 'custom', path: ['events'], message: `a pagerduty webhook takes alert.fired, alert.resolved and run.completed (an error run triggers, the sync's next finished run resolves), not ${starts.join(', ')}: a run starting is nothing to page on` });
  });
export type CreateWebhookRequest = z.infer<typeof createWebhookSchema>;

export const deliveriesQuerySchema = z.strictObject({ limit: limitSchema, cursor: cursorSchema });

/** A webhook as the API shows it: never its secret or routing key, only their first characters. */
export function presentWebhook(hook: Webhook) {
  return {
    webhookId: hook.webhookId,
    url: hook.url,
    format: formatOf(hook),
    events: hook.events,
    description: hook.description ?? null,
    secretHint: hook.format === 'slack' || hook.format === 'pagerduty' ? null : `${hook.secret.slice(0, 10)}…`,
    routingKeyHint: hook.format === 'pagerduty' ? `${hook.routingKey.slice(0, 4)}…` : null,
    createdAt: hook.createdAt,
    createdBy: hook.createdBy,
  };
}

/**
 * A delivery as the API shows it. One still `retrying` past RETRIES_GIVE_UP_MS will never be
 * retried (continueDelivery refuses it): it is shown `failed`, as it stays.
 */
export function presentDelivery(stored: WebhookDelivery, now: Date) {
  const { orgId: _org, expiresAt: _expires, retryRun: _run, retryRunUntil: _until, queuedEvent: _event, requeuedAt: _requeued, detail, ...delivery } = stored;
  if (delivery.state === 'retrying' && givenUp(delivery, now)) {
    const finishedAt = new Date(Date.parse(delivery.createdAt) + RETRIES_GIVE_UP_MS).toISOString();
    return { ...delivery, state: 'failed' as const, finishedAt, detail: `the queued retries did not run within ${RETRIES_GIVE_UP_MS / 60_000} minutes; given up` };
  }
  return { ...delivery, detail: detail ?? null };
}

/** A test-send's queued retries not claimed this long after it (or after being queued again) were lost: the sweep queues them again. */
export const QUEUED_RETRIES_GRACE_MS = 15 * 60_000;
/** Retries of a delivery this old are not started any more: a test-send is answered by then. */
export const RETRIES_GIVE_UP_MS = 60 * 60_000;

const givenUp = (delivery: Pick<WebhookDelivery, 'createdAt'>, now: Date) => now.getTime() - Date.parse(delivery.createdAt) > RETRIES_GIVE_UP_MS;

export async function createWebhook(deps: Deps, principal: Principal, request: CreateWebhookRequest) {
  const orgId = requireOrgKey(principal, 'admin');
  const target = new URL(request.url);
  if (!deps.webhookTargets.allows(target)) {
    throw invalid('webhook URL points at a private, loopback or link-local address, which this deployment does not call', { url: request.url });
  }
  if ((await deps.webhooks.list(orgId)).length >= MAX_WEBHOOKS_PER_ORG) throw conflict(`an org may have at most ${MAX_WEBHOOKS_PER_ORG} webhooks; delete one first`);
  const now = deps.clock.now();
  const format = request.format ?? 'synctrail';
  const fields = {
    orgId,
    webhookId: newId('whk', now),
    url: request.url,
    // Slack and PagerDuty hear of alerts unless told otherwise; SyncTrail's own format of everything.
    events: request.events ? [...new Set(request.events)] : format === 'synctrail' ? [...SUBSCRIBABLE_EVENT_TYPES] : [...ALERT_EVENT_TYPES],
    ...(request.description ? { description: request.description } : {}),
    createdAt: now.toISOString(),
    createdBy: principal.kind === 'key' ? principal.keyId : 'root',
  };
  // The schema holds a routingKey exactly when the format is pagerduty.
  const hook: Webhook =
    format === 'slack' ? { ...fields, format } : format === 'pagerduty' ? { ...fields, format, routingKey: request.routingKey! } : { ...fields, format, secret: `whsec_${randomBytes(24).toString('base64url')}` };
  await deps.webhooks.create(hook);
  await recordAudit(deps, { orgId, actor: hook.createdBy, action: 'webhook.created', target: { type: 'webhook', id: hook.webhookId }, after: { url: auditedUrl(hook), format, events: hook.events } });
  // The secret, this once: the receiver needs it to check signatures.
  return hook.format === 'slack' || hook.format === 'pagerduty' ? presentWebhook(hook) : { ...presentWebhook(hook), secret: hook.secret };
}

/**
 * A webhook's address as the audit log keeps it (read keys see the log): a Slack or PagerDuty
 * address whole is a credential (a Slack incoming-webhook URL posts to its channel), so only its
 * origin is kept; a signed webhook's address is kept whole.
 */
export function auditedUrl(hook: Pick<Webhook, 'url' | 'format'>): string {
  if (formatOf(hook) === 'synctrail') return hook.url;
  return `${new URL(hook.url).origin}/…`;
}

export async function listWebhooks(deps: Deps, principal: Principal) {
  const orgId = requireOrgKey(principal, 'admin');
  return { items: (await deps.webhooks.list(orgId)).map(presentWebhook), nextCursor: null };
}

export async function deleteWebhook(deps: Deps, principal: Principal, webhookId: string) {
  const orgId = requireOrgKey(principal, 'admin');
  const hook = await deps.webhooks.get(orgId, webhookId);
  if (!hook || !(await deps.webhooks.delete(orgId, webhookId))) throw notFound(`webhook ${webhookId}`);
  const actor = principal.kind === 'key' ? principal.keyId : 'root';
  await recordAudit(deps, { orgId, actor, action: 'webhook.deleted', target: { type: 'webhook', id: webhookId }, before: { url: auditedUrl(hook), format: formatOf(hook), events: hook.events } });
  return { webhookId, deleted: true };
}

export async function listDeliveries(deps: Deps, principal: Principal, webhookId: string, page: PageRequest) {
  const orgId = requireOrgKey(principal, 'admin');
  if (!(await deps.webhooks.get(orgId, webhookId))) throw notFound(`webhook ${webhookId}`);
  const result = await deps.webhooks.listDeliveries(orgId, webhookId, page, Math.floor(deps.clock.now().getTime() / 1000));
  const now = deps.clock.now();
  return { items: result.items.map((delivery) => presentDelivery(delivery, now)), nextCursor: result.nextCursor };
}

/** Retry a failed attempt? Network failures, timeouts, 408, 429 and 5xx: yes; other answers: no. */
export const isRetryable = (attempt: DeliveryAttempt) => attempt.status === null || attempt.status === 408 || attempt.status === 429 || attempt.status >= 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const jitter = (ms: number) => Math.round(ms * (0.8 + Math.random() * 0.4));

/**
 * One attempt (numbered from 1) of a delivery, in the webhook's format (SyncTrail's own is
 * signed; Slack and PagerDuty check no signature); never throws: no answer is an attempt with an error.
 */
async function attemptDelivery(deps: Deps, hook: Webhook, event: SyncTrailEvent, deliveryId: string, number: number, timeoutMs: number): Promise<DeliveryAttempt> {
  const at = deps.clock.now();
  const started = Date.now();
  try {
    const body = webhookBody(hook, event, deps.config.consoleUrl);
    const { status, body: answer } = await deps.webhookSender.post(
      hook.url,
      {
        'content-type': 'application/json',
        'user-agent': 'SyncTrail-Webhooks/1',
        ...(hook.format === 'slack' || hook.format === 'pagerduty' ? {} : { [SIGNATURE_HEADER]: signatureHeader(hook.secret, Math.floor(at.getTime() / 1000), body) }),
        'synctrail-event-id': event.id,
        'synctrail-event-type': event.type,
        'synctrail-delivery-id': deliveryId,
        'synctrail-attempt': String(number),
      },
      body,
      timeoutMs,
    );
    const said = answer?.replace(/\s+/g, ' ').trim();
    return { at: at.toISOString(), ms: Date.now() - started, status, error: status >= 200 && status < 300 ? null : `answered ${status}${said ? `: ${said}` : ''}` };
  } catch (error) {
    return { at: at.toISOString(), ms: Date.now() - started, status: null, error: (error as Error).message.slice(0, 500) };
  }
}

/** Whether another attempt follows this one, with `retries` waits configured. */
const retryFollows = (attempts: DeliveryAttempt[], retries: number) => attempts.at(-1)!.error !== null && isRetryable(attempts.at(-1)!) && attempts.length <= retries;

/** The delivery-log entry of the attempts so far: `retrying` while another attempt is due. */
function deliveryEntry(deps: Deps, hook: Webhook, event: SyncTrailEvent, deliveryId: string, attempts: DeliveryAttempt[], retrying: boolean): WebhookDelivery {
  const now = deps.clock.now();
  const queued = retrying ? queuedRetriesSchema.shape.event.safeParse(event) : undefined;
  return {
    orgId: hook.orgId,
    webhookId: hook.webhookId,
    deliveryId,
    eventId: event.id,
    eventType: event.type,
    state: retrying ? 'retrying' : attempts.at(-1)!.error === null ? 'delivered' : 'failed',
    attempts: [...attempts], // a snapshot: later attempts do not change an entry already written
    // The log's sort key: the same for every write of one delivery, so each replaces the last.
    createdAt: attempts[0]!.at,
    finishedAt: retrying ? null : now.toISOString(),
    expiresAt: new Date(now.getTime() + DELIVERY_LOG_DAYS * 86_400_000).toISOString(),
    ...(queued?.success ? { queuedEvent: queued.data } : {}),
  };
}

/**
 * Delivers one event to one webhook: signed, retried with backoff while the failure may
 * pass, and written to the delivery log once it is delivered or given up on.
 */
export async function deliver(deps: Deps, hook: Webhook, event: SyncTrailEvent): Promise<WebhookDelivery> {
  const deliveryId = newId('dlv', deps.clock.now());
  const delays = deps.config.webhookRetryDelaysMs;
  const attempts: DeliveryAttempt[] = [];
  do {
    if (attempts.length) await sleep(jitter(delays[attempts.length - 1]!));
    attempts.push(await attemptDelivery(deps, hook, event, deliveryId, attempts.length + 1, DELIVERY_TIMEOUT_MS));
  } while (retryFollows(attempts, delays.length));
  const delivery = deliveryEntry(deps, hook, event, deliveryId, attempts, false);
  await deps.webhooks.recordDelivery(delivery);
  return delivery;
}

/** Delivers an event to every webhook of its org that subscribed to its type, in parallel. */
export async function deliverEvent(deps: Deps, event: SyncTrailEvent): Promise<WebhookDelivery[]> {
  const hooks = (await deps.webhooks.list(event.orgId)).filter((hook) => hook.events.includes(event.type));
  return Promise.all(hooks.map((hook) => deliver(deps, hook, event)));
}

/** A test-send's first attempt has this long (resolve, connect, answer): the API answers well within its own timeout. */
export const TEST_ATTEMPT_TIMEOUT_MS = 8_000;

/**
 * Runs the queued retries of a delivery, waiting before each as `deliver` does and writing
 * the log entry after each attempt (`retrying` until the last). Before the first retry it
 * claims the entry the test-send wrote (same event, still retrying, the queued attempts, no
 * other run holding it, or one whose hold ran out); every later write is conditional on that
 * claim and the attempts so far. So queued retries nobody logged (forged onto the bus), or
 * already run or running (the bus delivers at least once; Lambda retries), send nothing and
 * answer undefined, as for a webhook deleted meanwhile; a run that died mid-way is taken over
 * once its hold ends. At worst an attempt whose log write was lost is sent again, with the
 * same delivery id and attempt number.
 */
export async function continueDelivery(deps: Deps, queued: QueuedRetries): Promise<WebhookDelivery | undefined> {
  if (queued.event.data.webhookId !== queued.webhookId) return undefined;
  const hook = await deps.webhooks.get(queued.orgId, queued.webhookId);
  if (!hook || queued.event.orgId !== hook.orgId) return undefined;
  const delays = deps.config.webhookRetryDelaysMs;
  const attempts = [...queued.attempts];
  if (!retryFollows(attempts, delays.length)) return undefined;
  const now = deps.clock.now();
  // Long enough for every retry left: its wait (jitter at most doubles it) and its timeout.
  const holdMs = delays.reduce((sum, ms) => sum + 2 * ms + DELIVERY_TIMEOUT_MS, 60_000);
  // Too late to help anyone, or the retries could outlast the hour: the delivery is shown failed, and stays so.
  if (givenUp({ createdAt: attempts[0]!.at }, new Date(now.getTime() + holdMs))) return undefined;
  const hold = { retryRun: newId('run', now), retryRunUntil: new Date(now.getTime() + holdMs).toISOString() };
  let delivery: WebhookDelivery = { ...deliveryEntry(deps, hook, queued.event, queued.deliveryId, attempts, true), ...hold };
  if (!(await deps.webhooks.recordDelivery(delivery, { attempts: attempts.length, claimAt: now.toISOString() }))) return undefined;
  while (retryFollows(attempts, delays.length)) {
    await sleep(jitter(delays[attempts.length - 1]!));
    attempts.push(await attemptDelivery(deps, hook, queued.event, queued.deliveryId, attempts.length + 1, DELIVERY_TIMEOUT_MS));
    delivery = { ...deliveryEntry(deps, hook, queued.event, queued.deliveryId, attempts, retryFollows(attempts, delays.length)), ...hold };
    if (!(await deps.webhooks.recordDelivery(delivery, { attempts: attempts.length - 1 }))) return undefined;
  }
  return delivery;
}

/**
 * `POST /v1/webhooks/{id}/test`: a `webhook.test` event to this webhook now, in its format (signed,
 * a Slack message, or an `info` PagerDuty alert). The
 * answer is the first attempt's outcome, bounded by `TEST_ATTEMPT_TIMEOUT_MS`; when it failed
 * in a way that may pass, the retries are queued to run in the background as any delivery's
 * do (`retriesQueued`), and the delivery log shows each attempt as it happens.
 */
export async function testWebhook(deps: Deps, principal: Principal, webhookId: string) {
  const orgId = requireOrgKey(principal, 'admin');
  const hook = await deps.webhooks.get(orgId, webhookId);
  if (!hook) throw notFound(`webhook ${webhookId}`);
  const event: QueuedRetries['event'] = { ...newEvent('webhook.test', orgId, deps.clock.now(), {}), type: 'webhook.test', data: { webhookId, message: TEST_MESSAGE } };
  const deliveryId = newId('dlv', deps.clock.now());
  const attempts = [await attemptDelivery(deps, hook, event, deliveryId, 1, TEST_ATTEMPT_TIMEOUT_MS)];
  let retriesQueued = retryFollows(attempts, deps.config.webhookRetryDelaysMs.length);
  let delivery = deliveryEntry(deps, hook, event, deliveryId, attempts, retriesQueued);
  await deps.webhooks.recordDelivery(delivery);
  if (retriesQueued) {
    try {
      await deps.notifier.queueRetries({ orgId, webhookId, deliveryId, event, attempts });
    } catch (error) {
      // Not queued: the log says failed, as the answer does, rather than retrying for ever.
      console.error(JSON.stringify({ level: 'error', message: 'webhook retries not queued', deliveryId, error: String(error) }));
      retriesQueued = false;
      delivery = deliveryEntry(deps, hook, event, deliveryId, attempts, false);
      await deps.webhooks.recordDelivery(delivery);
    }
  }
  return { ...presentDelivery(delivery, deps.clock.now()), delivered: delivery.state === 'delivered', attempt: attempts[0]!, retriesQueued };
}

/**
 * Queued retries are lost when the bus's delivery of them fails for good, or their run dies
 * and nothing runs them again: the delivery would say `retrying` for ever. The scheduled
 * checks (every 15 minutes in AWS, every 5 locally) find each delivery still retrying that no
 * run holds — never claimed QUEUED_RETRIES_GRACE_MS after it was queued, or its run's hold
 * ended — and queue its retries again, once per sweep (a conditional mark: two sweeps at once
 * queue once). `continueDelivery` then claims and runs them as the first time. Past
 * RETRIES_GIVE_UP_MS nothing is queued: the delivery is shown failed.
 */
export async function sweepStuckDeliveries(deps: Pick<Deps, 'orgs' | 'webhooks' | 'notifier' | 'clock'>): Promise<{ requeued: number; failed?: number }> {
  const now = deps.clock.now();
  const since = new Date(now.getTime() - RETRIES_GIVE_UP_MS).toISOString();
  const quietSince = new Date(now.getTime() - QUEUED_RETRIES_GRACE_MS).toISOString();
  let requeued = 0;
  let failed = 0;
  for (const orgId of await deps.orgs.listOrgIds()) {
    for (const hook of await deps.webhooks.list(orgId)) {
      for (const delivery of await deps.webhooks.listRetrying(orgId, hook.webhookId, since)) {
        const held = delivery.retryRunUntil !== undefined && delivery.retryRunUntil >= now.toISOString();
        if (held || (delivery.requeuedAt ?? delivery.attempts.at(-1)!.at) > quietSince || !delivery.queuedEvent) continue;
        if (!(await deps.webhooks.markRequeued(delivery, now.toISOString(), quietSince))) continue;
        try {
          await deps.notifier.queueRetries({ orgId, webhookId: hook.webhookId, deliveryId: delivery.deliveryId, event: delivery.queuedEvent, attempts: delivery.attempts });
          requeued += 1;
        } catch (error) {
          // One refused put does not stop the sweep; this delivery is tried again at the next one after the grace.
          failed += 1;
          console.error(JSON.stringify({ level: 'error', message: 'lost webhook retries not queued again', deliveryId: delivery.deliveryId, error: String(error) }));
        }
      }
    }
  }
  return failed ? { requeued, failed } : { requeued };
}
