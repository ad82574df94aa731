import { lambdaHandler } from '#http/lambda.ts';
import { makeHandler as createKey } from '../admin/create-key.ts';
import { makeHandler as createOrg } from '../admin/create-org.ts';
import { makeHandler as putAlerts } from '../admin/put-alerts.ts';
import { makeHandler as revokeKey } from '../admin/revoke-key.ts';
import { makeHandler as bulkDiscardDlq } from '../dlq/bulk-discard-dlq.ts';
import { makeHandler as bulkReplayDlq } from '../dlq/bulk-replay-dlq.ts';
import { makeHandler as discardDlqItem } from '../dlq/discard-dlq-item.ts';
import { makeHandler as replayDlqItem } from '../dlq/replay-dlq-item.ts';
import { makeHandler as createWebhook } from '../webhooks/create-webhook.ts';
import { makeHandler as deleteWebhook } from '../webhooks/delete-webhook.ts';
import { makeHandler as testWebhook } from '../webhooks/test-webhook.ts';
import { apiRouter } from './router.ts';

/**
 * The admin API: orgs, keys, webhooks, alert rules and dead-letter actions. It may write the
 * table, and put replay events on the bus.
 */
export const makeHandler = apiRouter('admin', {
  'admin/create-org': createOrg,
  'admin/create-key': createKey,
  'admin/revoke-key': revokeKey,
  'webhooks/create-webhook': createWebhook,
  'webhooks/delete-webhook': deleteWebhook,
  'webhooks/test-webhook': testWebhook,
  'admin/put-alerts': putAlerts,
  'dlq/replay-dlq-item': replayDlqItem,
  'dlq/discard-dlq-item': discardDlqItem,
  'dlq/bulk-replay-dlq': bulkReplayDlq,
  'dlq/bulk-discard-dlq': bulkDiscardDlq,
});

export const handler = lambdaHandler(makeHandler);
