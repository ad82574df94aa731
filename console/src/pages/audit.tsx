import { withQuery } from '../api.ts';
import { Field, Select } from '../components/filters.tsx';
import { Table } from '../components/table.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Empty, ErrorState, Loading, LoadMore } from '../components/states.tsx';
import { when } from '../format.ts';
import { usePaged } from '../hooks.ts';
import { setQuery, type Location, syncHref } from '../router.ts';
import type { AuditEntryView } from '../types.ts';
import { useSyncs } from './sync-history.tsx';
import { changes } from '../diff.ts';

const show = (value: unknown) => (value === undefined ? '∅' : typeof value === 'string' ? value : JSON.stringify(value));

/** The audit log: who changed what, when. */
export function AuditLog({ location }: { location: Location }) {
  const syncId = location.query.get('syncId') ?? '';
  const from = location.query.get('from') ?? '';
  const to = location.query.get('to') ?? '';
  const list = usePaged<AuditEntryView>(withQuery('/v1/audit', { syncId, from, to, limit: 100 }));
  const syncs = useSyncs();
  return (
    <>
      <PageHeader title="Audit log" subtitle="Every change to a sync's configuration, a key, or a dead-letter item: who, what and when." />
      <form class="filters" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <Field id="a-sync" label="Sync">
          <Select id="a-sync" value={syncId} options={[...syncs.values()].map((s) => [s.syncId, `${s.name} → ${s.destination.name}`] as const)} onChange={(value) => setQuery(location, { syncId: value })} />
        </Field>
        <Field id="a-from" label="From">
          <input id="a-from" type="date" value={from} onChange={(e) => setQuery(location, { from: e.currentTarget.value })} />
        </Field>
        <Field id="a-to" label="To">
          <input id="a-to" type="date" value={to} onChange={(e) => setQuery(location, { to: e.currentTarget.value })} />
        </Field>
      </form>
      {list.error ? <ErrorState error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.items.length ? <Loading label="Loading the audit log" /> : null}
      {!list.loading && !list.error && !list.items.length ? <Empty title="Nothing recorded">No changes match these filters.</Empty> : null}
      {list.items.length ? (
        <Table id="audit-table" caption="Audit entries, newest first" columns={[{ label: 'When' }, { label: 'Who' }, { label: 'What' }, { label: 'Target' }, { label: 'Change' }]} footer={<LoadMore loadMore={list.loadMore} loading={list.loadingMore} shown={list.items.length} />}>
              {list.items.map((entry) => {
                const diff = entry.action === 'sync.updated' ? changes(entry.before, entry.after) : [];
                return (
                  <tr key={entry.auditId}>
                    <td title={entry.at}>{when(entry.at)}</td>
                    <td>
                      {entry.actorLabel}
                      {entry.actor !== 'root' && entry.actorLabel !== `key ${entry.actor}` ? (
                        <div class="muted small">
                          <code>{entry.actor}</code>
                        </div>
                      ) : null}
                    </td>
                    <td title={entry.action}>{entry.actionLabel}</td>
                    <td>
                      {entry.target.type === 'sync' ? <a href={syncHref(entry.target.id, 'audit')}>{entry.target.id}</a> : `${entry.target.type} ${entry.target.id}`}
                    </td>
                    <td class="message">
                      {diff.length ? (
                        <ul class="diff">
                          {diff.map((d) => (
                            <li key={d.path}>
                              <code>{d.path}</code>: <del>{show(d.before)}</del> → <ins>{show(d.after)}</ins>
                            </li>
                          ))}
                        </ul>
                      ) : entry.after || entry.before ? (
                        <details>
                          <summary>details</summary>
                          <pre>{JSON.stringify(entry.after ?? entry.before, null, 2)}</pre>
                        </details>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                  </tr>
                );
              })}
        </Table>
      ) : null}
    </>
  );
}
