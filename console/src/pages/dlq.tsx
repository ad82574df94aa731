import { useState } from 'preact/hooks';
import { postJson, withQuery, type ApiError } from '../api.ts';
import { Badge } from '../components/badge.tsx';
import { Confirm } from '../components/confirm.tsx';
import { Field, Select } from '../components/filters.tsx';
import { Table } from '../components/table.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Empty, ErrorState, Loading, LoadMore } from '../components/states.tsx';
import { Truncated } from '../components/truncated.tsx';
import { bulkResultText, runBulk, type BulkVerb } from '../dlq-bulk.ts';
import { when } from '../format.ts';
import { usePaged } from '../hooks.ts';
import { href, seg, setQuery, type Location, syncHref } from '../router.ts';
import type { DlqItemView } from '../types.ts';
import { useSyncs } from './sync-history.tsx';

type Action = { kind: 'replay' | 'discard'; item: DlqItemView };
/** A bulk action waiting for confirmation, with its dry run's count. */
type BulkAction = { kind: BulkVerb; matched: number; more: boolean; asOf: string };

/** Sync Logs' DLQ and Replay: records that exhausted their retries; replay or discard each, with confirmation. */
export function DeadLetterQueue({ location }: { location: Location }) {
  const state = location.query.get('state') ?? 'pending';
  const syncId = location.query.get('syncId') ?? '';
  const list = usePaged<DlqItemView>(withQuery('/v1/dlq', { state: state === 'all' ? undefined : state, syncId, limit: 100 }));
  const syncs = useSyncs();
  const [action, setAction] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ text: string; error?: boolean } | null>(null);
  const [bulk, setBulk] = useState<BulkAction | null>(null);
  // The page's filters as the bulk routes take them: only pending items are ever acted on.
  const bulkFilter = syncId ? { syncId } : null;
  // As the Sync filter names it: two syncs may share a name, not a destination.
  const picked = syncs.get(syncId);
  const syncName = picked ? `${picked.name} → ${picked.destination.name}` : syncId;

  /** The dry run first: its count goes in the confirmation. */
  async function askBulk(kind: BulkVerb) {
    if (!bulkFilter) return;
    setBusy(true);
    try {
      const { matched, remaining, asOf } = await postJson<{ matched: number; remaining: boolean; asOf: string }>(`/v1/dlq/${kind}`, { filter: bulkFilter, dryRun: true });
      if (matched === 0) setNotice({ text: `No pending record of ${syncName} to ${kind}.` });
      else setBulk({ kind, matched, more: remaining, asOf });
    } catch (error) {
      setNotice({ text: `Could not count the matching records: ${(error as ApiError).message}`, error: true });
    } finally {
      setBusy(false);
    }
  }

  async function confirmBulk() {
    if (!bulk || !bulkFilter) return;
    setBusy(true);
    try {
      // Only the records counted: none dead-lettered since the confirmation was shown.
      const totals = await runBulk((body) => postJson(`/v1/dlq/${bulk.kind}`, body), { ...bulkFilter, to: bulk.asOf });
      setNotice({ text: bulkResultText(bulk.kind, totals) });
    } catch (error) {
      setNotice({ text: `Could not ${bulk.kind} all matching records: ${(error as ApiError).message}. What was done is kept; run it again for the rest.`, error: true });
    } finally {
      list.reload();
      setBusy(false);
      setBulk(null);
    }
  }

  async function confirm() {
    if (!action) return;
    setBusy(true);
    try {
      await postJson(`/v1/dlq/${seg(action.item.itemId)}/${action.kind}`);
      setNotice({ text: `${action.item.identifier ?? 'The record'} was ${action.kind === 'replay' ? 'replayed: the producer receives a replay event' : 'discarded'}.` });
      list.reload();
    } catch (error) {
      setNotice({ text: `Could not ${action.kind} ${action.item.identifier ?? 'the record'}: ${(error as ApiError).message}`, error: true });
      list.reload();
    } finally {
      setBusy(false);
      setAction(null);
    }
  }

  return (
    <>
      <PageHeader title="Dead-letter queue" subtitle="Records the producer gave up on after all retries. Replay sends one back to the producer; discard closes it." />
      <form class="filters" aria-label="Filter the dead-letter queue" onSubmit={(e) => e.preventDefault()}>
        <Field id="d-state" label="State">
          <Select id="d-state" value={state} allLabel={null} options={[['pending', 'Pending'], ['replayed', 'Replayed'], ['discarded', 'Discarded'], ['all', 'All']]} onChange={(value) => setQuery(location, { state: value === 'pending' ? undefined : value })} />
        </Field>
        <Field id="d-sync" label="Sync">
          <Select id="d-sync" value={syncId} options={[...syncs.values()].map((s) => [s.syncId, `${s.name} → ${s.destination.name}`] as const)} onChange={(value) => setQuery(location, { syncId: value })} />
        </Field>
      </form>
      {state === 'pending' || state === 'all' ? (
        <div class="bulk-actions" role="group" aria-label="Act on all matching records">
          <button type="button" class="button button-small" disabled={!bulkFilter || busy} onClick={() => void askBulk('replay')}>
            Replay all matching
          </button>
          <button type="button" class="button button-small button-quiet" disabled={!bulkFilter || busy} onClick={() => void askBulk('discard')}>
            Discard all matching
          </button>
          <span class="small muted">{bulkFilter ? `Every pending record of ${syncName}, not only those shown.` : 'Pick a sync to act on all its pending records.'}</span>
        </div>
      ) : null}
      <div role="status" aria-live="polite" class={notice ? `notice${notice.error ? ' notice-error' : ''}` : 'visually-hidden'}>
        {notice?.text ?? ''}
      </div>
      {list.error ? <ErrorState error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.items.length ? <Loading label="Loading the dead-letter queue" /> : null}
      {!list.loading && !list.error && !list.items.length ? <Empty title={state === 'pending' ? 'Nothing waiting' : 'No items'}>{state === 'pending' ? 'No record is waiting for a decision.' : 'Pick another state.'}</Empty> : null}
      {list.items.length ? (
        <Table id="dlq-table" caption="Dead-letter items" columns={[{ label: 'Identifier' }, { label: 'Sync' }, { label: 'Failure' }, { label: 'Since' }, { label: 'State' }, { label: 'Actions' }]} footer={<LoadMore loadMore={list.loadMore} loading={list.loadingMore} shown={list.items.length} />}>
              {list.items.map((item) => (
                <tr key={item.itemId} data-item-id={item.itemId}>
                  <td class="identifier">{item.identifier ?? <span class="muted">(none)</span>}</td>
                  <td>
                    <a href={syncHref(item.syncId, 'dlq')}>{syncs.get(item.syncId)?.name ?? item.syncId}</a>
                    <div class="small">
                      <a href={href(`/runs/${seg(item.runId)}`, { status: 'all', identifier: item.identifier ?? undefined, match: 'exact' })}>run {item.runId}</a>
                    </div>
                  </td>
                  <td class="message">
                    <Badge status={item.status} /> <Truncated text={item.statusMessage} max={60} />
                  </td>
                  <td>{when(item.createdAt)}</td>
                  <td>
                    <Badge status={item.state} />
                    {item.stateChangedAt ? (
                      <div class="small muted">
                        {when(item.stateChangedAt)} by {item.stateChangedBy}
                      </div>
                    ) : null}
                  </td>
                  <td class="actions">
                    {item.state === 'pending' ? (
                      <>
                        <button type="button" class="button button-small" onClick={() => setAction({ kind: 'replay', item })} aria-label={`Replay ${item.identifier ?? item.itemId}`}>
                          Replay
                        </button>
                        <button type="button" class="button button-small button-quiet" onClick={() => setAction({ kind: 'discard', item })} aria-label={`Discard ${item.identifier ?? item.itemId}`}>
                          Discard
                        </button>
                      </>
                    ) : (
                      <span class="muted small">done</span>
                    )}
                  </td>
                </tr>
              ))}
        </Table>
      ) : null}
      {action ? (
        <Confirm
          title={action.kind === 'replay' ? 'Replay this record?' : 'Discard this record?'}
          confirmLabel={action.kind === 'replay' ? 'Replay' : 'Discard'}
          tone={action.kind === 'discard' ? 'danger' : 'primary'}
          busy={busy}
          onCancel={() => setAction(null)}
          onConfirm={confirm}
        >
          <p>
            <strong>{action.item.identifier ?? '(no identifier)'}</strong> — {action.item.statusMessage ?? action.item.status}
          </p>
          <p>
            {action.kind === 'replay'
              ? 'SyncTrail emits a replay event with this record and its payload; the producer consumes it and sends the record again. This is recorded in the audit log.'
              : 'The record is closed without being sent again. This cannot be undone, and is recorded in the audit log.'}
          </p>
        </Confirm>
      ) : null}
      {bulk ? (
        <Confirm
          title={bulk.kind === 'replay' ? 'Replay all matching records?' : 'Discard all matching records?'}
          confirmLabel={bulk.kind === 'replay' ? 'Replay all' : 'Discard all'}
          tone={bulk.kind === 'discard' ? 'danger' : 'primary'}
          busy={busy}
          onCancel={() => setBulk(null)}
          onConfirm={confirmBulk}
        >
          <p id="bulk-matched">
            <strong>{bulk.matched.toLocaleString('en-US')}{bulk.more ? '+' : ''}</strong> pending record{bulk.matched === 1 && !bulk.more ? '' : 's'} of {syncName} match.
          </p>
          <p>
            {bulk.kind === 'replay'
              ? 'SyncTrail emits a replay event for each; the producer consumes them and sends the records again.'
              : 'The records are closed without being sent again. This cannot be undone.'}{' '}
            Only the records counted here are acted on, none dead-lettered since. The audit log gets one entry per 1,000 records, each with the filter and its counts.
          </p>
        </Confirm>
      ) : null}
    </>
  );
}
