/**
 * The webhook entity: a webhook, its delivery log entries and the queued retries of a
 * test-send. A leaf (no use case, no port), so `ports.ts` can name it; creating, delivering
 * and test-sending are `webhooks.ts`.
 */
import * as z from 'zod';
import type { EventType } from './events.ts';

/**
 * What a webhook posts: SyncTrail's own signed event (`synctrail`, the default), a Slack
 * incoming-webhook message (`slack`), or a PagerDuty Events API v2 event (`pagerduty`).
 */
export const WEBHOOK_FORMATS = ['synctrail', 'slack', 'pagerduty'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

interface WebhookFields {
  orgId: string;
  webhookId: string;
  url: string;
  /** Event types delivered to it. */
  events: EventType[];
  description?: string;
  createdAt: string;
  createdBy: string;
}

/**
 * A webhook. One stored before formats existed has no `format`: it is `synctrail`. Slack and
 * PagerDuty check no signature, so those have no secret; a PagerDuty one has the routing key
 * its events carry (a secret too: never shown back whole).
 */
export type Webhook = WebhookFields &
  (
    | {
        format?: 'synctrail';
        /** Signs every delivery; shown once, at creation. */
        secret: string;
      }
    | { format: 'slack' }
    | { format: 'pagerduty'; routingKey: string }
  );

export const formatOf = (hook: Pick<Webhook, 'format'>): WebhookFormat => hook.format ?? 'synctrail';

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
  /** `retrying` while queued retries are still due (a test-send whose first attempt failed). */
  state: 'delivered' | 'failed' | 'retrying';
  attempts: DeliveryAttempt[];
  createdAt: string;
  /** null while retrying. */
  finishedAt: string | null;
  expiresAt: string;
  /** Queued retries running: which run holds them, and until when (then another run may take them over). */
  retryRun?: string;
  retryRunUntil?: string;
  /** While retrying: the event the queued retries send, so the sweep can queue them again. */
  queuedEvent?: QueuedRetries['event'];
  /** When the sweep last queued the retries again. */
  requeuedAt?: string;
  /** Why it ended as it did when its attempts do not say (retries given up on). */
  detail?: string;
}

/** The `{webhookId}` of the webhook routes. */
export const webhookPath = z.strictObject({ webhookId: z.string().regex(/^whk_[0-9a-z]{26}$/, 'not a webhook id') });

/** What a test-send's event says. */
export const TEST_MESSAGE = 'A test from SyncTrail: if you can read this, the webhook works.';

/**
 * The rest of a delivery, queued (EventBridge in AWS, in-process locally) after its first
 * attempt failed in a way that may pass. No secret: the webhook is read again when it runs.
 */
export const queuedRetriesSchema = z.object({
  orgId: z.string().min(1),
  webhookId: webhookPath.shape.webhookId,
  deliveryId: z.string().regex(/^dlv_[0-9a-z]{26}$/),
  // Only a test-send queues retries, so only its event is taken: nothing else put on the bus is signed.
  event: z.object({ id: z.string().min(1), type: z.literal('webhook.test'), orgId: z.string().min(1), createdAt: z.string(), data: z.strictObject({ webhookId: webhookPath.shape.webhookId, message: z.literal(TEST_MESSAGE) }) }),
  attempts: z.array(z.object({ at: z.string(), ms: z.number(), status: z.number().nullable(), error: z.string().nullable() })).min(1),
});
export type QueuedRetries = z.infer<typeof queuedRetriesSchema>;
