import { useEffect, useState } from 'preact/hooks';
import { withQuery } from '../api.ts';
import { Badge } from '../components/badge.tsx';
import { Field, Select } from '../components/filters.tsx';
import { Table } from '../components/table.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Empty, ErrorState, Loading, LoadMore } from '../components/states.tsx';
import { Truncated } from '../components/truncated.tsx';
import { count, percent, titleCase } from '../format.ts';
import { LOG_STATUSES, LOG_STATUS_LABELS, parseLogStatus } from '../../../shared/domain/statuses.ts';
import { CountingLink } from './counting.tsx';
import { Stamp } from '../components/stamp.tsx';
import { useDebounced, usePaged, useResource } from '../hooks.ts';
import { href, seg, setQuery, type Location } from '../router.ts';
import type { Facets, LogRow, Stats } from '../types.ts';

const DEFAULT_LIMIT = 100;

/** The status filter's choices: SyncTrail's badges, as the rows wear them. */
const STATUS_OPTIONS = LOG_STATUSES.map((status) => [status, LOG_STATUS_LABELS[status]] as const);

/** Sync Logs: the stat cards, the filter bar, and one row per record across runs. */
export function SyncLogs({ location }: { location: Location }) {
  const instance = location.query.get('instance') ?? '';
  const entityType = location.query.get('entityType') ?? '';
  const limitParam = Number(location.query.get('limit') ?? DEFAULT_LIMIT);
  const limit = Number.isInteger(limitParam) && limitParam >= 1 && limitParam <= 1000 ? limitParam : DEFAULT_LIMIT;
  const [sourceId, setSourceId] = useState(location.query.get('sourceId') ?? '');
  const settledSource = useDebounced(sourceId.trim(), 350);
  useEffect(() => {
    if (settledSource !== (location.query.get('sourceId') ?? '')) setQuery(location, { sourceId: settledSource || undefined });
  }, [settledSource]);
  useEffect(() => setSourceId(location.query.get('sourceId') ?? ''), [location.query.get('sourceId')]);

  const status = parseLogStatus(location.query.get('status') ?? '') ?? '';
  const facets = useResource<Facets>(withQuery('/v1/logs/facets', { instance }));
  const query = location.query.get('sourceId') ?? '';
  // The cards count every row matching the filters (the API reads the rows when a source id or status narrows them), never just the rows loaded.
  const stats = useResource<Stats>(withQuery('/v1/stats', { instance, entityType, sourceId: query, status }));
  const logs = usePaged<LogRow>(withQuery('/v1/logs', { instance, entityType, sourceId: query, status, limit }));
  const cards = stats.data;
  const filtered = Boolean(instance || entityType || query || status || limit !== DEFAULT_LIMIT);

  return (
    <>
      <PageHeader title="Sync Logs" subtitle="Every record that moved through a pipeline: where it went, what happened, and why it failed." />
      <section aria-label="Summary statistics" class="cards" id="stat-cards">
        <StatCard label="Total Operations" value={cards ? count(cards.totalOperations) : '…'} />
        <StatCard label="Success" value={cards ? count(cards.success) : '…'} tone="success" />
        <StatCard label="Partial Success" value={cards ? count(cards.partialSuccess) : '…'} tone="partial" />
        <StatCard label="Failed" value={cards ? count(cards.failed) : '…'} tone="error" />
        <StatCard label="In Progress" value={cards ? count(cards.inProgress) : '…'} tone="running" />
        <StatCard label="Success Rate" value={cards ? percent(cards.successRate) : '…'} />
      </section>
      <p class="muted small cards-note" id="cards-note">
        {cardsNote(cards)} <CountingLink />
      </p>
      <form class="filters" aria-label="Filter Sync Logs" onSubmit={(e) => e.preventDefault()}>
        <Field id="l-instance" label="Instance">
          <Select id="l-instance" value={instance} options={facets.data?.instances ?? (instance ? [instance] : [])} allLabel="All instances" onChange={(value) => setQuery(location, { instance: value, entityType: undefined })} />
        </Field>
        <Field id="l-entity" label="Entity Type">
          <Select id="l-entity" value={entityType} options={facets.data?.entityTypes ?? (entityType ? [entityType] : [])} allLabel="All entity types" onChange={(value) => setQuery(location, { entityType: value })} />
        </Field>
        <Field id="l-status" label="Status">
          <Select id="l-status" value={status} options={STATUS_OPTIONS} allLabel="All statuses" onChange={(value) => setQuery(location, { status: value })} />
        </Field>
        <Field id="l-source" label="Source ID">
          <input id="l-source" type="search" value={sourceId} placeholder="part of an id" onInput={(e) => setSourceId(e.currentTarget.value)} autocomplete="off" spellcheck={false} />
        </Field>
        <Field id="l-limit" label="Limit">
          <input id="l-limit" type="number" min={1} max={1000} step={50} value={limit} onChange={(e) => setQuery(location, { limit: e.currentTarget.value === String(DEFAULT_LIMIT) ? undefined : e.currentTarget.value })} />
        </Field>
        <button type="button" class="button button-quiet" disabled={!filtered && !sourceId} onClick={() => (setSourceId(''), setQuery(location, { instance: undefined, entityType: undefined, status: undefined, sourceId: undefined, limit: undefined }))}>
          Clear
        </button>
      </form>
      {logs.error ? <ErrorState error={logs.error} retry={logs.reload} /> : null}
      {logs.loading && !logs.items.length ? <Loading label="Reading sync logs" /> : null}
      {!logs.loading && !logs.error && !logs.items.length ? <Empty title="No records match">{filtered ? 'Select Clear to reset the filters.' : 'Records appear here as producers post batches.'}</Empty> : null}
      {logs.items.length ? (
        <Table id="logs-table" caption="Sync log rows, newest run first" busy={logs.loading} columns={[{ label: 'Status' }, { label: 'Instance' }, { label: 'Entity Type' }, { label: 'Source ID' }, { label: 'Target ID' }, { label: 'Operation' }, { label: 'Started' }, { label: 'Details' }]} footer={<LoadMore loadMore={logs.loadMore} loading={logs.loadingMore} shown={logs.items.length} />}>
              {logs.items.map((row) => (
                <tr key={`${row.runId}.${row.batchType}.${row.batchNumber}.${row.rowNumber}`}>
                  <td>
                    <Badge status={row.badge} label={LOG_STATUS_LABELS[row.badge]} />
                  </td>
                  <td>{row.instance ? <a href={href(`/instances/${seg(row.instance)}`)}>{row.instance}</a> : <span class="muted">—</span>}</td>
                  <td>{row.entityType ?? <span class="muted">—</span>}</td>
                  <td class="identifier source-id">
                    <a href={href(`/runs/${seg(row.runId)}`, { status: 'all', identifier: row.sourceId ?? undefined, match: 'exact' })}>{row.sourceId ?? '(none)'}</a>
                  </td>
                  <td class="identifier">{row.targetId ?? <span class="muted">—</span>}</td>
                  <td>{titleCase(row.operation)}</td>
                  <td>
                    <Stamp iso={row.started} />
                  </td>
                  <td class="message">
                    <Truncated text={row.details} max={48} />
                    {row.reportedStatus ? <span class="reported">Reported: {row.reportedStatus}</span> : null}
                  </td>
                </tr>
              ))}
        </Table>
      ) : null}
    </>
  );
}

/** What the cards counted: every matching row, or the newest runs' rows when there were more. */
function cardsNote(cards: Stats | undefined): string {
  if (!cards) return 'Counting…';
  const runs = `${count(cards.runs)} run${cards.runs === 1 ? '' : 's'}`;
  // A row count stops at a run or row limit, perhaps partway through its oldest run: it counted the newest rows.
  if (cards.countedFrom === 'rows') return cards.truncated ? `Cards count the newest matching rows, from ${runs} (the count has a limit: older rows are not counted).` : `Cards count every matching row of ${runs}.`;
  return `Cards count every record of ${runs}${cards.truncated ? ' (only the newest runs are counted)' : ''}, superseded in-progress records left out.`;
}

function StatCard({ label, value, tone }: { label: string; value: string; tone?: string }) {
  return (
    <div class={`card${tone ? ` card-${tone}` : ''}`}>
      <span class="card-label">{label}</span>
      <span class="card-value">{value}</span>
    </div>
  );
}
