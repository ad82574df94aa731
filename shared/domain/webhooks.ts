import { createHmac, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { recordAudit } from './audit.ts';
import { requireOrgKey } from './authz.ts';
import { conflict, invalid, notFound } from './errors.ts';
import { EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES, newEvent, type EventType, type SyncTrailEvent } from './events.ts';
import { newId } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps, PageRequest } from './ports.ts';
import { cursorSchema, limitSchema } from './query-params.ts';

export interface Webhook {
  orgId: string;
  webhookId: string;
  url: string;
  /** Event types delivered to it. */
  events: EventType[];
  description?: string;
  /** Signs every delivery; shown once, at creation. */
  secret: string;
  createdAt: string;
  createdBy: string;
}

export interface DeliveryAttempt {
  at: string;
  ms: number;
  /** The receiver's HTTP status, or null when no answer came. */
  status: number | null;
  error: string | null;
}

export interface WebhookDelivery {
  orgId: string;
  webhookId: string;
  deliveryId: string;
  eventId: string;
  eventType: EventType;
  state: 'delivered' | 'failed';
  attempts: DeliveryAttempt[];
  createdAt: string;
  finishedAt: string;
  expiresAt: string;
}

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

export const createWebhookSchema = z.strictObject({
  url: webhookUrl,
  events: z.array(z.enum(SUBSCRIBABLE_EVENT_TYPES as unknown as [EventType, ...EventType[]])).min(1).max(EVENT_TYPES.length).optional(),
  description: z.string().trim().min(1).max(256).optional(),
});
export type CreateWebhookRequest = z.infer<typeof createWebhookSchema>;

export const webhookPath = z.strictObject({ webhookId: z.string().regex(/^whk_[0-9a-z]{26}$/, 'not a webhook id') });
export const deliveriesQuerySchema = z.strictObject({ limit: limitSchema, cursor: cursorSchema });

/** A webhook as the API shows it: never its secret. */
export function presentWebhook({ orgId: _org, secret, ...hook }: Webhook) {
  return { ...hook, description: hook.description ?? null, secretHint: `${secret.slice(0, 10)}…` };
}

export function presentDelivery({ orgId: _org, expiresAt: _expires, ...delivery }: WebhookDelivery) {
  return delivery;
}

export async function createWebhook(deps: Deps, principal: Principal, request: CreateWebhookRequest) {
  const orgId = requireOrgKey(principal, 'admin');
  const target = new URL(request.url);
  if (!deps.webhookTargets.allows(target)) {
    throw invalid('webhook URL points at a private, loopback or link-local address, which this deployment does not call', { url: request.url });
  }
  if ((await deps.webhooks.list(orgId)).length >= MAX_WEBHOOKS_PER_ORG) throw conflict(`an org may have at most ${MAX_WEBHOOKS_PER_ORG} webhooks; delete one first`);
  const now = deps.clock.now();
  const hook: Webhook = {
    orgId,
    webhookId: newId('whk', now),
    url: request.url,
    events: request.events ? [...new Set(request.events)] : [...SUBSCRIBABLE_EVENT_TYPES],
    ...(request.description ? { description: request.description } : {}),
    secret: `whsec_${randomBytes(24).toString('base64url')}`,
    createdAt: now.toISOString(),
    createdBy: principal.kind === 'key' ? principal.keyId : 'root',
  };
  await deps.webhooks.create(hook);
  await recordAudit(deps, { orgId, actor: hook.createdBy, action: 'webhook.created', target: { type: 'webhook', id: hook.webhookId }, after: { url: hook.url, events: hook.events } });
  // The secret, this once: the receiver needs it to check signatures.
  return { ...presentWebhook(hook), secret: hook.secret };
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
  await recordAudit(deps, { orgId, actor, action: 'webhook.deleted', target: { type: 'webhook', id: webhookId }, before: { url: hook.url, events: hook.events } });
  return { webhookId, deleted: true };
}

export async function listDeliveries(deps: Deps, principal: Principal, webhookId: string, page: PageRequest) {
  const orgId = requireOrgKey(principal, 'admin');
  if (!(await deps.webhooks.get(orgId, webhookId))) throw notFound(`webhook ${webhookId}`);
  const result = await deps.webhooks.listDeliveries(orgId, webhookId, page, Math.floor(deps.clock.now().getTime() / 1000));
  return { items: result.items.map(presentDelivery), nextCursor: result.nextCursor };
}

/** Retry a failed attempt? Network failures, timeouts, 408, 429 and 5xx: yes; other answers: no. */
export const isRetryable = (attempt: DeliveryAttempt) => attempt.status === null || attempt.status === 408 || attempt.status === 429 || attempt.status >= 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const jitter = (ms: number) => Math.round(ms * (0.8 + Math.random() * 0.4));

/**
 * Delivers one event to one webhook: signed, retried with backoff while the failure may
 * pass, and written to the delivery log once it is delivered or given up on.
 */
export async function deliver(deps: Deps, hook: Webhook, event: SyncTrailEvent): Promise<WebhookDelivery> {
  const body = JSON.stringify(event);
  const deliveryId = newId('dlv', deps.clock.now());
  const attempts: DeliveryAttempt[] = [];
  const delays = [0, ...deps.config.webhookRetryDelaysMs];
  for (const [index, delay] of delays.entries()) {
    if (index > 0) await sleep(jitter(delay));
    const at = deps.clock.now();
    const started = Date.now();
    let attempt: DeliveryAttempt;
    try {
      const { status } = await deps.webhookSender.post(
        hook.url,
        {
          'content-type': 'application/json',
          'user-agent': 'SyncTrail-Webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(hook.secret, Math.floor(at.getTime() / 1000), body),
          'synctrail-event-id': event.id,
          'synctrail-event-type': event.type,
          'synctrail-delivery-id': deliveryId,
          'synctrail-attempt': String(index + 1),
        },
        body,
        DELIVERY_TIMEOUT_MS,
      );
      attempt = { at: at.toISOString(), ms: Date.now() - started, status, error: status >= 200 && status < 300 ? null : `answered ${status}` };
    } catch (error) {
      attempt = { at: at.toISOString(), ms: Date.now() - started, status: null, error: (error as Error).message.slice(0, 500) };
    }
    attempts.push(attempt);
    if (attempt.error === null || !isRetryable(attempt)) break;
  }
  const now = deps.clock.now();
  const delivery: WebhookDelivery = {
    orgId: hook.orgId,
    webhookId: hook.webhookId,
    deliveryId,
    eventId: event.id,
    eventType: event.type,
    state: attempts.at(-1)!.error === null ? 'delivered' : 'failed',
    attempts,
    createdAt: attempts[0]!.at,
    finishedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + DELIVERY_LOG_DAYS * 86_400_000).toISOString(),
  };
  await deps.webhooks.recordDelivery(delivery);
  return delivery;
}

/** Delivers an event to every webhook of its org that subscribed to its type, in parallel. */
export async function deliverEvent(deps: Deps, event: SyncTrailEvent): Promise<WebhookDelivery[]> {
  const hooks = (await deps.webhooks.list(event.orgId)).filter((hook) => hook.events.includes(event.type));
  return Promise.all(hooks.map((hook) => deliver(deps, hook, event)));
}

/** `POST /v1/webhooks/{id}/test`: a signed `webhook.test` event to this webhook now, with the outcome. */
export async function testWebhook(deps: Deps, principal: Principal, webhookId: string) {
  const orgId = requireOrgKey(principal, 'admin');
  const hook = await deps.webhooks.get(orgId, webhookId);
  if (!hook) throw notFound(`webhook ${webhookId}`);
  const event = newEvent('webhook.test', orgId, deps.clock.now(), { webhookId, message: 'A test from SyncTrail: if you can read this, the webhook works.' });
  return presentDelivery(await deliver(deps, hook, event));
}
