import { useMemo } from 'preact/hooks';
import { withQuery } from '../api.ts';
import { Badge } from '../components/badge.tsx';
import { CoverageCell } from '../components/coverage.tsx';
import { Field, Select } from '../components/filters.tsx';
import { Table } from '../components/table.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { CountingLink } from './counting.tsx';
import { Empty, ErrorState, Loading, LoadMore } from '../components/states.tsx';
import { Truncated } from '../components/truncated.tsx';
import { Unaccounted } from '../components/unaccounted.tsx';
import { count, titleCase } from '../format.ts';
import { Stamp } from '../components/stamp.tsx';
import { usePaged, useResource, type Page } from '../hooks.ts';
import { href, seg, setQuery, type Location, syncHref } from '../router.ts';
import type { RunView, SyncView } from '../types.ts';

export const DEFAULT_THRESHOLD = 0.9;

const STATUS_OPTIONS = [
  ['complete', 'Complete'],
  ['partial_complete', 'Partial Complete'],
  ['error', 'Error'],
  ['running', 'Running'],
] as const;

/** Coverage thresholds per sync, for flagging low coverage the way each sync defines it. */
export function useSyncs() {
  const syncs = useResource<Page<SyncView>>('/v1/syncs?limit=1000');
  return useMemo(() => new Map((syncs.data?.items ?? []).map((s) => [s.syncId, s])), [syncs.data]);
}

/** Sync History: every field, filters, coverage, and "View Records" within retention. */
export function SyncHistory({ location }: { location: Location }) {
  const q = (name: string) => location.query.get(name) ?? '';
  const filters = { syncType: q('syncType'), connectionType: q('connectionType'), status: q('status'), syncId: q('syncId'), from: q('from'), to: q('to') };
  const runs = usePaged<RunView>(withQuery('/v1/runs', { ...filters, limit: 50 }));
  const syncs = useSyncs();
  const connectionTypes = [...new Set([...syncs.values()].map((s) => s.destination.connectionType))].sort();
  const set = (name: string) => (value: string) => setQuery(location, { [name]: value });
  const filtered = Object.values(filters).some(Boolean);

  return (
    <>
      <PageHeader title="Sync History" subtitle={<>Every sync run, newest first: running, completed or failed. <CountingLink /></>} />
      <form class="filters" aria-label="Filter Sync History" onSubmit={(e) => e.preventDefault()}>
        <Field id="f-sync-type" label="Sync type">
          <Select id="f-sync-type" value={filters.syncType} options={[['audience', 'Audience'], ['signal', 'Signal'], ['entity', 'Entity']]} onChange={set('syncType')} />
        </Field>
        <Field id="f-connection" label="Connection">
          <Select id="f-connection" value={filters.connectionType} options={connectionTypes} onChange={set('connectionType')} />
        </Field>
        <Field id="f-status" label="Status">
          <Select id="f-status" value={filters.status} options={STATUS_OPTIONS} onChange={set('status')} />
        </Field>
        <Field id="f-sync" label="Sync">
          <Select id="f-sync" value={filters.syncId} options={[...syncs.values()].map((s) => [s.syncId, `${s.name} → ${s.destination.name}`] as const)} onChange={set('syncId')} />
        </Field>
        <Field id="f-from" label="Executed from">
          <input id="f-from" type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => set('from')(e.currentTarget.value)} />
        </Field>
        <Field id="f-to" label="to">
          <input id="f-to" type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => set('to')(e.currentTarget.value)} />
        </Field>
        {filtered ? (
          <button type="button" class="button button-quiet" onClick={() => setQuery(location, Object.fromEntries(Object.keys(filters).map((k) => [k, undefined])))}>
            Clear
          </button>
        ) : null}
      </form>
      {runs.error ? <ErrorState error={runs.error} retry={runs.reload} /> : null}
      {runs.loading && !runs.items.length ? <Loading label="Loading runs" /> : null}
      {!runs.loading && !runs.error && !runs.items.length ? (
        <Empty title={filtered ? 'No runs match these filters' : 'No runs yet'}>
          {filtered ? 'Clear a filter or widen the date range.' : 'Producers post runs to POST /v1/syncs/{syncId}/runs; they appear here when they start, and show their outcome when they complete. Try npm run demo for sample data.'}
        </Empty>
      ) : null}
      {runs.items.length ? (
        <Table id="runs-table" caption="Sync runs, newest first" busy={runs.loading} columns={[{ label: <>Entity Name <span class="th-sub">Sync Type</span></> }, { label: <>Destination Name <span class="th-sub">Connection Type</span></> }, { label: 'Status' }, { label: 'Items Total', num: true }, { label: 'Items Processed' }, { label: 'Items Failed', num: true }, { label: 'Max Event Date' }, { label: 'Execution Date' }, { label: 'Status Message' }, { label: 'Records', hidden: true }]} footer={<LoadMore loadMore={runs.loadMore} loading={runs.loadingMore} shown={runs.items.length} />}>
              {runs.items.map((run) => (
                <tr key={run.runId} data-run-id={run.runId}>
                  <td>
                    <a href={syncHref(run.syncId, 'history')}>{run.entityName}</a>
                    {run.dryRun ? <span class="tag">dry run</span> : null}
                    <div class="cell-sub">{titleCase(run.syncType)}</div>
                  </td>
                  <td>
                    {run.destinationName}
                    <div class="cell-sub">{run.connectionType}</div>
                  </td>
                  <td>
                    <Badge status={run.status} />
                  </td>
                  <td class="num">
                    {count(run.itemsTotal)}
                    <Unaccounted run={run} />
                  </td>
                  <td>
                    <CoverageCell processed={run.itemsProcessed} running={run.status === 'running'} total={run.itemsTotal} rate={run.coverageRate} threshold={syncs.get(run.syncId)?.coverageThreshold ?? DEFAULT_THRESHOLD} />
                  </td>
                  <td class="num">{count(run.itemsFailed)}</td>
                  <td>{run.syncType === 'signal' ? <Stamp iso={run.maxEventDate} /> : <span class="muted">n/a</span>}</td>
                  <td>
                    <Stamp iso={run.executionDate} empty="in progress" />
                  </td>
                  <td class="message">
                    <Truncated text={run.statusMessage} max={60} />
                  </td>
                  <td>
                    {run.recordsAvailable ? (
                      <a class="button button-small" href={href(`/runs/${seg(run.runId)}`)} aria-label={`View records of ${run.entityName} run ${run.runId}`}>
                        View Records
                      </a>
                    ) : (
                      <a href={href(`/runs/${seg(run.runId)}`)} class="muted" title={run.dryRun ? 'Dry runs keep no records' : 'Past the retention window: counters only'}>
                        Details
                      </a>
                    )}
                  </td>
                </tr>
              ))}
        </Table>
      ) : null}
    </>
  );
}
