import { useState } from 'preact/hooks';
import { postJson, withQuery, type ApiError } from '../api.ts';
import { Badge } from '../components/badge.tsx';
import { Table } from '../components/table.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { when } from '../format.ts';
import { useResource } from '../hooks.ts';
import { seg } from '../router.ts';
import type { WebhookDelivery, WebhookView } from '../types.ts';

/** How each format is named, and what it posts. */
export const FORMAT_LABELS: Record<WebhookView['format'], string> = {
  synctrail: 'SyncTrail (signed JSON)',
  slack: 'Slack message',
  pagerduty: 'PagerDuty event',
};

/**
 * Where a webhook posts, as shown: a Slack or PagerDuty address is a credential of its own (a
 * Slack incoming-webhook URL is its token), so only its host is shown.
 */
export const shownUrl = (hook: Pick<WebhookView, 'url' | 'format'>) => (hook.format === 'synctrail' ? hook.url : `${new URL(hook.url).origin}/…`);

const lastAttempt = (delivery: WebhookDelivery) => delivery.attempts.at(-1);

/** The org's webhooks (admin keys): each one's format, events and last deliveries, with a test-send. */
export function Webhooks() {
  const hooks = useResource<{ items: WebhookView[] }>('/v1/webhooks');
  const [notice, setNotice] = useState<{ text: string; error?: boolean } | null>(null);
  const [sending, setSending] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);

  async function test(hook: WebhookView) {
    setSending(hook.webhookId);
    try {
      const sent = await postJson<{ delivered: boolean; attempt: { status: number | null; error: string | null; ms: number }; retriesQueued: boolean }>(`/v1/webhooks/${seg(hook.webhookId)}/test`);
      const outcome = sent.attempt.status === null ? (sent.attempt.error ?? 'no answer') : `HTTP ${sent.attempt.status}`;
      setNotice(
        sent.delivered
          ? { text: `Test sent as a ${FORMAT_LABELS[hook.format]}: delivered (${outcome} in ${sent.attempt.ms} ms).` }
          : { text: `Test not delivered (${outcome})${sent.retriesQueued ? '; retries are queued' : ''}.`, error: true },
      );
    } catch (error) {
      setNotice({ text: `Could not send a test: ${(error as ApiError).message}`, error: true });
    } finally {
      setSending(null);
      setGeneration((g) => g + 1);
    }
  }

  return (
    <>
      <PageHeader title="Webhooks" subtitle="Where run and alert events go: signed SyncTrail JSON, Slack messages or PagerDuty events. Admin keys add and remove them with the API." />
      <div role="status" aria-live="polite" class={notice ? `notice${notice.error ? ' notice-error' : ''}` : 'visually-hidden'}>
        {notice?.text ?? ''}
      </div>
      {hooks.error ? <ErrorState error={hooks.error} retry={hooks.reload} /> : null}
      {hooks.loading && !hooks.data ? <Loading label="Loading webhooks" /> : null}
      {hooks.data && !hooks.data.items.length ? (
        <Empty title="No webhooks">
          Add one with <code>POST /v1/webhooks</code> (an admin key): <code>{'{"url":"…","format":"slack"}'}</code>, or <code>"pagerduty"</code> with a <code>routingKey</code>.
        </Empty>
      ) : null}
      {hooks.data?.items.length ? (
        <Table id="webhooks-table" caption="Webhooks, newest first" columns={[{ label: 'Format' }, { label: 'Posts to' }, { label: 'Events' }, { label: 'Key' }, { label: 'Last deliveries' }, { label: 'Actions', hidden: true }]}>
          {hooks.data.items.map((hook) => (
            <tr key={hook.webhookId} data-webhook-id={hook.webhookId}>
              <td>
                <strong>{FORMAT_LABELS[hook.format]}</strong>
                {hook.description ? <div class="cell-sub">{hook.description}</div> : null}
              </td>
              <td>
                <code>{shownUrl(hook)}</code>
                <div class="cell-sub">added {when(hook.createdAt)}</div>
              </td>
              <td>{hook.events.join(', ')}</td>
              <td>{hook.secretHint ? <span title="The signing secret's first characters">secret {hook.secretHint}</span> : hook.routingKeyHint ? <span title="The routing key's first characters">routing key {hook.routingKeyHint}</span> : <span class="muted">—</span>}</td>
              <td>
                <Deliveries key={`${hook.webhookId}.${generation}`} webhookId={hook.webhookId} />
              </td>
              <td>
                <button type="button" class="button button-small" disabled={sending !== null} onClick={() => void test(hook)} aria-label={`Send a test to the ${FORMAT_LABELS[hook.format]} webhook ${hook.webhookId}`}>
                  {sending === hook.webhookId ? 'Sending…' : 'Send test'}
                </button>
              </td>
            </tr>
          ))}
        </Table>
      ) : null}
    </>
  );
}

/** A webhook's five newest deliveries: event, state, and its last attempt's answer. */
/** Remounted (`key`) after a test-send, so it reads the log again. */
function Deliveries({ webhookId }: { webhookId: string }) {
  const deliveries = useResource<{ items: WebhookDelivery[] }>(withQuery(`/v1/webhooks/${seg(webhookId)}/deliveries`, { limit: 5 }));
  if (deliveries.error) return <span class="muted">{deliveries.error.message}</span>;
  if (!deliveries.data) return <span class="muted">loading…</span>;
  if (!deliveries.data.items.length) return <span class="muted">none yet</span>;
  return (
    <ul class="deliveries">
      {deliveries.data.items.map((d) => {
        const last = lastAttempt(d);
        return (
          <li key={d.deliveryId}>
            <Badge status={d.state} /> {d.eventType}{' '}
            <span class="muted small" title={d.createdAt}>
              {when(d.createdAt)} · {d.attempts.length} {d.attempts.length === 1 ? 'attempt' : 'attempts'}
              {last ? ` · ${last.status === null ? (last.error ?? 'no answer') : `HTTP ${last.status}`}` : ''}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
