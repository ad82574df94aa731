import * as z from 'zod';
import { count, eventType, nullableString, page, str } from './common.ts';

const webhookFields = { webhookId: str, url: str, events: z.array(eventType), description: nullableString, secretHint: str, createdAt: str, createdBy: str };
export const webhookAnswer = z.strictObject(webhookFields).meta({ description: 'A webhook, without its secret' });
export const createdWebhookAnswer = z.strictObject({ ...webhookFields, secret: str });
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
