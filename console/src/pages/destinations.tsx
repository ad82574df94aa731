import { Badge } from '../components/badge.tsx';
import { Table } from '../components/table.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Empty, ErrorState, Loading, LoadMore } from '../components/states.tsx';
import { Truncated } from '../components/truncated.tsx';
import { labelOf, titleCase, when } from '../format.ts';
import { usePaged } from '../hooks.ts';
import { href, seg, syncHref } from '../router.ts';
import type { DestinationView } from '../types.ts';

const ORDER = ['error', 'partial_complete', 'running', 'complete', 'ready'];

/** Each sync's destination and its current status (Sync History's destination status), the troubled ones first. */
export function Destinations() {
  const list = usePaged<DestinationView>('/v1/destinations?limit=1000');
  const items = [...list.items].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || a.destinationName.localeCompare(b.destinationName));
  const tally = ORDER.map((status) => [status, list.items.filter((d) => d.status === status).length] as const).filter(([, n]) => n > 0);

  return (
    <>
      <PageHeader title="Destinations" subtitle="The current status of each sync's destination, from its newest run." />
      {tally.length ? (
        <ul class="tally" aria-label="Destinations by status">
          {tally.map(([status, n]) => (
            <li key={status}>
              <Badge status={status} label={`${n} ${labelOf(status)}`} />
            </li>
          ))}
        </ul>
      ) : null}
      {list.error ? <ErrorState error={list.error} retry={list.reload} /> : null}
      {list.loading && !items.length ? <Loading label="Loading destinations" /> : null}
      {!list.loading && !list.error && !items.length ? <Empty title="No syncs yet">Producers describe a sync with PUT /v1/syncs/{'{syncId}'}; its destination starts Ready.</Empty> : null}
      {items.length ? (
        <Table id="destinations-table" caption="Destinations and their current status" columns={[{ label: 'Destination' }, { label: 'Connection Type' }, { label: 'Sync' }, { label: 'Status' }, { label: 'Last run' }, { label: 'Last message' }]} footer={<LoadMore loadMore={list.loadMore} loading={list.loadingMore} shown={items.length} />}>
              {items.map((d) => (
                <tr key={d.syncId}>
                  <td>
                    <strong>{d.destinationName}</strong>
                    {d.destinationObject ? <div class="muted small">{d.destinationObject.name}</div> : null}
                  </td>
                  <td>{d.connectionType}</td>
                  <td>
                    <a href={syncHref(d.syncId, 'destinations')}>{d.entityName}</a>
                    <div class="muted small">
                      {titleCase(d.syncType)}
                      {d.enabled ? '' : ' · disabled'}
                    </div>
                  </td>
                  <td>
                    <Badge status={d.status} />
                  </td>
                  <td>
                    {d.status === 'running' && d.currentRunId ? (
                      <a href={href(`/runs/${seg(d.currentRunId)}`)}>running now</a>
                    ) : d.lastRun ? (
                      <a href={href(`/runs/${seg(d.lastRun.runId)}`)} title={d.lastRun.executionDate}>
                        {when(d.lastRun.executionDate)}
                      </a>
                    ) : (
                      <span class="muted">never run</span>
                    )}
                  </td>
                  <td class="message">
                    {/* While a run is open the message is the last finished run's: say so. */}
                    {d.status === 'running' && d.currentRunId && d.lastStatusMessage ? <span class="muted small">Previous run: </span> : null}
                    <Truncated text={d.lastStatusMessage} max={70} />
                  </td>
                </tr>
              ))}
        </Table>
      ) : null}
    </>
  );
}
