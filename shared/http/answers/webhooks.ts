import * as z from 'zod';
import { WEBHOOK_FORMATS } from '#domain/webhook-entity.ts';
import { count, eventType, nullableString, page, str } from './common.ts';

const webhookFields = {
  webhookId: str,
  url: str,
  format: z.enum(WEBHOOK_FORMATS),
  events: z.array(eventType),
  description: nullableString,
  secretHint: nullableString.meta({ description: "The signing secret's first characters (synctrail format); null for slack and pagerduty, which have none" }),
  routingKeyHint: nullableString.meta({ description: "The PagerDuty routing key's first 4 characters; null for other formats" }),
  createdAt: str,
  createdBy: str,
};
export const webhookAnswer = z.strictObject(webhookFields).meta({ description: 'A webhook, without its secret or routing key' });
export const createdWebhookAnswer = z.strictObject({ ...webhookFields, secret: str.optional().meta({ description: 'The signing secret, shown this once (synctrail format only)' }) });
export const webhooksAnswer = z.strictObject({ items: z.array(webhookAnswer), nextCursor: z.null() });
export const deletedWebhookAnswer = z.strictObject({ webhookId: str, deleted: z.boolean() });

const attempt = z.strictObject({ at: str, ms: count, status: count.nullable(), error: nullableString });
const deliveryFields = {
  webhookId: str,
  deliveryId: str,
  eventId: str,
  eventType,
  state: z.enum(['delivered', 'failed', 'retrying']),
  attempts: z.array(attempt),
  createdAt: str,
  finishedAt: nullableString,
  detail: nullableString.meta({ description: 'Why it ended as it did when its attempts do not say (retries given up on)' }),
};
export const deliveryAnswer = z.strictObject(deliveryFields).meta({ description: 'One delivery of an event to a webhook' });
export const deliveriesAnswer = page(deliveryAnswer);
export const testWebhookAnswer = z.strictObject({ ...deliveryFields, delivered: z.boolean(), attempt, retriesQueued: z.boolean() });
