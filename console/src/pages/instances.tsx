import { Badge } from '../components/badge.tsx';
import { Table } from '../components/table.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Empty, ErrorState, Loading, LoadMore } from '../components/states.tsx';
import { Truncated } from '../components/truncated.tsx';
import { count, labelOf, percent, when } from '../format.ts';
import { usePaged, useResource } from '../hooks.ts';
import { href, seg, syncHref } from '../router.ts';
import type { InstanceDetail, InstanceSummary, RunView } from '../types.ts';

const STATUS_ORDER = ['complete', 'partial_complete', 'error', 'running'] as const;

function StatusCounts({ statuses }: { statuses: Record<string, number> }) {
  return (
    <span class="status-counts">
      {STATUS_ORDER.filter((s) => statuses[s]).map((s) => (
        // The count and the word: a colour alone says nothing to a screen reader or a colour-blind reader.
        <Badge key={s} status={s} label={`${count(statuses[s])} ${labelOf(s)}`} />
      ))}
    </span>
  );
}

/** Sync Logs' instances: runs grouped per integration job, with totals and correlation ids. */
export function Instances() {
  const list = useResource<{ items: InstanceSummary[]; truncated: boolean }>('/v1/instances');
  const items = list.data?.items ?? [];
  return (
    <>
      <PageHeader title="Instances" subtitle="Integration jobs and their runs, grouped, with totals and correlation ids." />
      {list.error ? <ErrorState error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading label="Loading instances" /> : null}
      {list.data && !items.length ? <Empty title="No instances yet">Syncs with an "instance" (the integration job's name) are grouped here.</Empty> : null}
      {items.length ? (
        <Table id="instances-table" caption="Instances" columns={[{ label: 'Instance' }, { label: 'Runs', num: true }, { label: 'Outcomes' }, { label: 'Items Total', num: true }, { label: 'Processed', num: true }, { label: 'Failed', num: true }, { label: 'Entity types' }, { label: 'Last run' }, { label: 'Correlation ids' }]}>
              {items.map((instance) => (
                <tr key={instance.instance}>
                  <td>
                    <a href={href(`/instances/${seg(instance.instance)}`)}>{instance.instance}</a>
                  </td>
                  <td class="num">{count(instance.runs)}</td>
                  <td>
                    <StatusCounts statuses={instance.statuses} />
                  </td>
                  <td class="num">{count(instance.itemsTotal)}</td>
                  <td class="num">
                    {count(instance.itemsProcessed)} <span class="muted small">{percent(instance.itemsTotal ? instance.itemsProcessed / instance.itemsTotal : null)}</span>
                  </td>
                  <td class="num">{count(instance.itemsFailed)}</td>
                  <td>{instance.entityTypes.join(', ') || <span class="muted">—</span>}</td>
                  <td>
                    {instance.lastStatus ? <Badge status={instance.lastStatus} /> : null} <span class="small">{when(instance.lastRunAt)}</span>
                  </td>
                  <td class="small">
                    <Truncated text={instance.correlationIds.join(', ')} max={40} />
                  </td>
                </tr>
              ))}
        </Table>
      ) : null}
    </>
  );
}

/** One instance: its totals, then its runs, each with its correlation id. */
export function InstanceDetailPage({ instance }: { instance: string }) {
  const detail = usePaged<RunView>(`/v1/instances/${seg(instance)}?limit=50`);
  const totals = detail.data as InstanceDetail | undefined;
  return (
    <>
      <PageHeader title={instance} crumbs={<a href={href('/instances')}>Instances</a>} subtitle={totals ? <StatusCounts statuses={totals.statuses} /> : null} actions={<a class="button" href={href('/logs', { instance })}>Sync Logs of this instance</a>} />
      {detail.error ? <ErrorState error={detail.error} retry={detail.reload} /> : null}
      {detail.loading && !totals ? <Loading label="Loading instance" /> : null}
      {totals ? (
        <dl class="facts">
          <div>
            <dt>Runs</dt>
            <dd class="big">{count(totals.runs)}</dd>
          </div>
          <div>
            <dt>Items total</dt>
            <dd class="big">{count(totals.itemsTotal)}</dd>
          </div>
          <div>
            <dt>Processed</dt>
            <dd class="big">{count(totals.itemsProcessed)}</dd>
          </div>
          <div>
            <dt>Failed</dt>
            <dd class="big">{count(totals.itemsFailed)}</dd>
          </div>
          <div>
            <dt>Entity types</dt>
            <dd>{totals.entityTypes.join(', ') || '—'}</dd>
          </div>
          <div>
            <dt>Syncs</dt>
            <dd>
              {totals.syncIds.map((id, i) => (
                <span key={id}>
                  {i ? ', ' : ''}
                  <a href={syncHref(id, 'instances')}>{id}</a>
                </span>
              ))}
            </dd>
          </div>
        </dl>
      ) : null}
      {detail.items.length ? (
        <Table id="instance-runs" caption={`Runs of ${instance}`} columns={[{ label: 'Started' }, { label: 'Sync' }, { label: 'Entity Type' }, { label: 'Status' }, { label: 'Total', num: true }, { label: 'Processed', num: true }, { label: 'Failed', num: true }, { label: 'Correlation id' }, { label: 'Records', hidden: true }]} footer={<LoadMore loadMore={detail.loadMore} loading={detail.loadingMore} shown={detail.items.length} />}>
              {detail.items.map((run) => (
                <tr key={run.runId}>
                  <td>{when(run.startedAt)}</td>
                  <td>{run.entityName}</td>
                  <td>{run.entityType ?? '—'}</td>
                  <td>
                    <Badge status={run.status} />
                  </td>
                  <td class="num">{count(run.itemsTotal)}</td>
                  <td class="num">{count(run.itemsProcessed)}</td>
                  <td class="num">{count(run.itemsFailed)}</td>
                  <td>
                    <code>{run.correlationId ?? '—'}</code>
                  </td>
                  <td>
                    <a href={href(`/runs/${seg(run.runId)}`)}>{run.recordsAvailable ? 'View Records' : 'Details'}</a>
                  </td>
                </tr>
              ))}
        </Table>
      ) : null}
    </>
  );
}
