import { useState } from 'preact/hooks';
import { withQuery } from '../api.ts';
import { Badge, CategoryBadge } from '../components/badge.tsx';
import { Field } from '../components/filters.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Stamp } from '../components/stamp.tsx';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { Table } from '../components/table.tsx';
import { Truncated } from '../components/truncated.tsx';
import { useResource } from '../hooks.ts';
import { href, navigate, seg, syncHref } from '../router.ts';
import type { Timeline } from '../types.ts';

/** One record across runs, syncs and destinations: "why did Meta reject it but Google not?" */
export function IdentifierPage({ identifier }: { identifier: string | undefined }) {
  const [search, setSearch] = useState(identifier ?? '');
  const timeline = useResource<Timeline>(identifier ? withQuery(`/v1/identifiers/${seg(identifier)}/timeline`, { limit: 200 }) : null);
  const t = timeline.data;
  return (
    <>
      <PageHeader title="Find a record" subtitle="One identifier's outcomes across every sync and destination, newest first." />
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          if (search.trim()) navigate(`/identifiers/${seg(search.trim())}`);
        }}
      >
        <Field id="i-identifier" label="Primary identifier (exact)">
          <input id="i-identifier" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} placeholder="e.g. ana@example.com" autocomplete="off" spellcheck={false} size={40} />
        </Field>
        <button type="submit" class="button button-primary" disabled={!search.trim()}>
          Find
        </button>
      </form>
      {!identifier ? <Empty title="Which record?">Enter the identifier a producer sent (an email, a source id) to see where it went.</Empty> : null}
      {timeline.error ? <ErrorState error={timeline.error} retry={timeline.reload} /> : null}
      {identifier && timeline.loading && !t ? <Loading label="Looking through the runs" /> : null}
      {t && !t.items.length ? <Empty title={`No outcome for ${identifier}`}>Not in the records kept (the retention window), or sent under another identifier.</Empty> : null}
      {t?.items.length ? (
        <>
          <section class="section" aria-labelledby="where-heading">
            <h2 id="where-heading">Where it went</h2>
            <Table id="timeline-destinations" caption={`Latest outcome of ${identifier} per destination`} columns={[{ label: 'Destination' }, { label: 'Sync' }, { label: 'Latest' }, { label: 'Why' }, { label: 'Seen' }, { label: 'Outcomes' }]}>
              {t.destinations.map((d) => (
                <tr key={`${d.syncId}|${d.destinationId}`}>
                  <td>
                    <strong>{d.destinationName}</strong>
                    <div class="cell-sub">{d.connectionType}</div>
                  </td>
                  <td>
                    <a href={syncHref(d.syncId, 'identifiers')}>{d.entityName}</a>
                  </td>
                  <td>
                    <Badge status={d.lastStatus} />
                  </td>
                  <td class="message">
                    {d.lastStatusMessage ? (
                      <>
                        <Truncated text={d.lastStatusMessage} max={70} /> {d.lastCategory ? <CategoryBadge category={d.lastCategory} /> : null}
                      </>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td>
                    <Stamp iso={d.lastSeenAt} />
                  </td>
                  <td class="small">
                    {d.counts.success + d.counts.partial} ok · {d.counts.failed} failed
                  </td>
                </tr>
              ))}
            </Table>
          </section>
          <section class="section" aria-labelledby="history-heading">
            <h2 id="history-heading">Every outcome</h2>
            <Table id="timeline-outcomes" caption={`Outcomes of ${identifier}, newest first`} columns={[{ label: 'Sent' }, { label: 'Destination' }, { label: 'Status' }, { label: 'Message' }, { label: 'Target ID' }, { label: 'Run', hidden: true }]}>
              {t.items.map((o) => (
                <tr key={`${o.runId}.${o.batchType}.${o.batchNumber}.${o.rowNumber}`}>
                  <td>
                    <Stamp iso={o.batchStartedAt} />
                  </td>
                  <td>
                    {o.destinationName}
                    <div class="cell-sub">{o.entityName}</div>
                  </td>
                  <td>
                    <Badge status={o.status} />
                  </td>
                  <td class="message">
                    <Truncated text={o.statusMessage} max={70} />
                  </td>
                  <td class="identifier">{o.targetId ?? <span class="muted">—</span>}</td>
                  <td>
                    <a href={href(`/runs/${seg(o.runId)}`, { status: 'all', identifier: o.identifier ?? undefined, match: 'exact' })}>run {o.runId}</a>
                  </td>
                </tr>
              ))}
            </Table>
            {t.nextCursor ? <p class="muted small">Only the newest runs were searched; the API's cursor goes further back.</p> : null}
          </section>
        </>
      ) : null}
    </>
  );
}
