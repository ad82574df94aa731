import { useState } from 'preact/hooks';
import { ApiError, download, withQuery } from '../api.ts';
import { Badge, CategoryBadge } from '../components/badge.tsx';
import { Unaccounted } from '../components/unaccounted.tsx';
import { CoverageCell } from '../components/coverage.tsx';
import { Field, Select } from '../components/filters.tsx';
import { Markdown } from '../components/markdown.tsx';
import { Table } from '../components/table.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Empty, ErrorState, Loading, LoadMore } from '../components/states.tsx';
import { noFailuresReason, noRecordsReason } from '../run-states.ts';
import { CountingLink } from './counting.tsx';
import { count, labelOf, titleCase, when } from '../format.ts';
import { useDebounced, usePaged, useResource } from '../hooks.ts';
import { resolutionFor } from '../resolutions.ts';
import { href, seg, setQuery, type Location, syncHref } from '../router.ts';
import type { ErrorGroups, RecordView, RunDetail, RunDiff, RunDiffItem } from '../types.ts';
import { DEFAULT_THRESHOLD, useSyncs } from './sync-history.tsx';

/** Record status filters; "failed" is Sync Tracking's "invalid or rejected records". */
const RECORD_FILTERS = [
  ['failed', 'Invalid or rejected'],
  ['rejected,extraction_failed', 'Rejected'],
  ['invalid', 'Invalid (NULL or DUPLICATE)'],
  ['NULL', 'Invalid: no identifier (NULL)'],
  ['DUPLICATE', 'Invalid: duplicate (DUPLICATE)'],
  ['partial_success,partially_failed', 'Partial'],
  ['succeeded', 'Succeeded'],
  ['in_progress,extracting', 'In progress or extracting'],
  ['all', 'All records'],
] as const;

const FAILED = 'rejected,extraction_failed,invalid';

function statusParam(filter: string) {
  if (filter === 'all') return undefined;
  return filter === 'failed' ? FAILED : filter;
}

/** Sync Tracking's "View Records": a run's summary, its failures grouped by message, and every record. */
export function RunDetailPage({ runId, location }: { runId: string; location: Location }) {
  const run = useResource<RunDetail>(`/v1/runs/${seg(runId)}`);
  const syncs = useSyncs();

  if (run.error) {
    return (
      <>
        <PageHeader title={`Run ${runId}`} crumbs={<a href={href('/history')}>Sync History</a>} />
        <ErrorState error={run.error} retry={run.reload} />
      </>
    );
  }
  if (!run.data) return <Loading label="Loading run" />;
  const r = run.data;
  const threshold = syncs.get(r.syncId)?.coverageThreshold ?? DEFAULT_THRESHOLD;
  const noRecords = noRecordsReason(r);
  return (
    <>
      <PageHeader
        crumbs={
          <>
            <a href={href('/history')}>Sync History</a> <span aria-hidden="true">/</span> <a href={syncHref(r.syncId, 'history')}>{r.entityName}</a>
          </>
        }
        title={
          <>
            {r.entityName} <span class="arrow" aria-hidden="true">→</span>
            <span class="visually-hidden"> to </span> {r.destinationName}
          </>
        }
        subtitle={
          <>
            <Badge status={r.status} /> <span class="muted">Run {r.runId}</span>
            {r.dryRun ? <span class="tag">dry run</span> : null}
          </>
        }
        actions={
          r.status === 'running' ? (
            <button type="button" class="button" onClick={run.reload}>
              Refresh
            </button>
          ) : null
        }
      />
      <section aria-label="Run summary" class="summary">
        <dl class="facts">
          <div>
            <dt>Items processed</dt>
            <dd>
              <CoverageCell processed={r.itemsProcessed} running={r.status === 'running'} total={r.itemsTotal} rate={r.coverageRate} threshold={threshold} />
            </dd>
          </div>
          <div>
            <dt>Items failed</dt>
            <dd class="big">{count(r.itemsFailed)}</dd>
          </div>
          {r.sourceCount !== null ? (
            <div>
              <dt>Source count</dt>
              <dd>
                {count(r.sourceCount)} extracted
                <Unaccounted run={r} />
              </dd>
            </div>
          ) : null}
          <div>
            <dt>Invalid</dt>
            <dd>
              {count(r.records.null)} no identifier · {count(r.records.duplicate)} duplicate
            </dd>
          </div>
          <div>
            <dt>Sync type</dt>
            <dd>
              {titleCase(r.syncType)} · {r.operation}
            </dd>
          </div>
          <div>
            <dt>Connection</dt>
            <dd>{r.connectionType}</dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd title={r.startedAt}>{when(r.startedAt)}</dd>
          </div>
          <div>
            <dt>Execution date</dt>
            <dd title={r.executionDate ?? undefined}>{r.executionDate ? when(r.executionDate) : 'in progress'}</dd>
          </div>
          {r.syncType === 'signal' ? (
            <div>
              <dt>Max event date</dt>
              <dd>{when(r.maxEventDate)}</dd>
            </div>
          ) : null}
          {r.instance ? (
            <div>
              <dt>Instance</dt>
              <dd>
                <a href={href(`/instances/${seg(r.instance)}`)}>{r.instance}</a>
              </dd>
            </div>
          ) : null}
          {r.correlationId ? (
            <div>
              <dt>Correlation id</dt>
              <dd>
                <code>{r.correlationId}</code>
              </dd>
            </div>
          ) : null}
          <div>
            <dt>Batches</dt>
            <dd>{r.batches.length}</dd>
          </div>
        </dl>
        {r.statusMessage ? (
          <p class={`status-message tone-${r.status}`}>
            <strong>Status message:</strong> {r.statusMessage}
          </p>
        ) : null}
        <p class="small">
          <CountingLink />
        </p>
      </section>
      {r.recordsAvailable && noRecords ? (
        <Empty title={noRecords.title}>{noRecords.text}</Empty>
      ) : r.recordsAvailable ? (
        <>
          {!r.dryRun && (r.status === 'complete' || r.status === 'partial_complete') ? <RunDiffSection runId={r.runId} location={location} /> : null}
          <ErrorGroupsSection runId={r.runId} noFailures={noFailuresReason(r)} onPick={(identifier) => setQuery(location, { identifier, status: 'all' })} />
          <RecordsSection runId={r.runId} location={location} />
        </>
      ) : (
        <Empty title={r.dryRun ? 'Dry runs keep no records' : 'Records are past the retention window'}>
          {r.dryRun
            ? 'A dry run counts its records but writes no row-level files.'
            : `Row-level records were browsable until ${when(r.recordsExpireAt)}. The counters above stay in Sync History; analysts may still have the parquet files in a bring-your-own bucket.`}
        </Empty>
      )}
    </>
  );
}

const DIFF_KINDS = [
  ['added', 'Joined', 'in this run, not in the other'],
  ['removed', 'Left', 'in the other run, not in this one'],
  ['changed', 'Changed', 'in both, with another payload'],
] as const;

/** Who joined, left and changed against the sync's previous delivered run (GET /v1/runs/{runId}/diff), each list paged. */
function RunDiffSection({ runId, location }: { runId: string; location: Location }) {
  const diff = useResource<RunDiff>(`/v1/runs/${seg(runId)}/diff`);
  const kind = DIFF_KINDS.find(([k]) => k === location.query.get('diff'))?.[0];
  const notReady = diff.error instanceof ApiError && diff.error.code === 'diff_not_ready';
  const d = diff.data;
  return (
    <section class="section" aria-labelledby="diff-heading">
      <h2 id="diff-heading">Changes since the previous run</h2>
      {notReady && (diff.error as ApiError).details && typeof (diff.error as ApiError).details === 'object' && 'rebuild' in ((diff.error as ApiError).details as object) ? (
        <Empty title="No comparison for this run">{diff.error!.message}</Empty>
      ) : notReady ? (
        <Empty title="The comparison is being prepared">
          It is built just after the run completes.{' '}
          <button type="button" class="button button-small" onClick={diff.reload}>
            Check again
          </button>
        </Empty>
      ) : diff.error ? (
        <ErrorState error={diff.error} retry={diff.reload} />
      ) : null}
      {diff.loading && !d ? <Loading label="Comparing with the previous run" /> : null}
      {d ? (
        <>
          <p class="muted">
            {d.against ? (
              <>
                Members of this run against run <a href={href(`/runs/${seg(d.against)}`)}>{d.against}</a>, the sync's previous delivered run.
              </>
            ) : (
              'The sync has no earlier delivered run: every member of this run joined.'
            )}{' '}
            A member is a record the destination got (succeeded or partially).
          </p>
          <dl class="facts" id="run-diff">
            {DIFF_KINDS.map(([k, label, meaning]) => (
              <div key={k}>
                <dt>{label}</dt>
                <dd>
                  {/* Nothing to list behind a 0. */}
                  {d[k] ? (
                    <a href={href(location.path, { ...Object.fromEntries(location.query), diff: k })} aria-current={kind === k ? 'true' : undefined} title={meaning} aria-label={`${label}: ${count(d[k])} identifiers, ${meaning}`}>
                      {count(d[k])}
                    </a>
                  ) : (
                    <span title={meaning}>{count(d[k])}</span>
                  )}
                </dd>
              </div>
            ))}
            <div>
              <dt>Unchanged</dt>
              <dd>{count(d.unchanged)}</dd>
            </div>
          </dl>
          {kind ? <RunDiffList runId={runId} kind={kind} against={d.against} onClose={() => setQuery(location, { diff: undefined })} /> : null}
        </>
      ) : null}
    </section>
  );
}

function RunDiffList({ runId, kind, against, onClose }: { runId: string; kind: (typeof DIFF_KINDS)[number][0]; against: string | null; onClose: () => void }) {
  const list = usePaged<RunDiffItem>(withQuery(`/v1/runs/${seg(runId)}/diff/records`, { kind, limit: 100, ...(against ? { against } : {}) }));
  const label = DIFF_KINDS.find(([k]) => k === kind)![1];
  return (
    <div class="diff-list" aria-labelledby="diff-list-heading">
      <h3 id="diff-list-heading">
        {label} <button type="button" class="button button-small" onClick={onClose}>Close</button>
      </h3>
      {list.error ? <ErrorState error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading label={`Loading ${label.toLowerCase()} identifiers`} /> : null}
      {list.data && !list.items.length ? <Empty title="Nobody">No identifier is {label.toLowerCase()}.</Empty> : null}
      {list.items.length ? (
        <ul class="diff-identifiers" id="diff-identifiers">
          {list.items.map((item) => (
            <li key={item.identifier}>
              <a href={href(`/identifiers/${seg(item.identifier)}`)}>{item.identifier}</a>
            </li>
          ))}
        </ul>
      ) : null}
      {list.data ? <LoadMore loadMore={list.loadMore} loading={list.loadingMore} shown={list.items.length} /> : null}
    </div>
  );
}

function ErrorGroupsSection({ runId, noFailures, onPick }: { runId: string; noFailures: string | null; onPick: (identifier: string) => void }) {
  const groups = useResource<ErrorGroups>(`/v1/runs/${seg(runId)}/errors`);
  return (
    <section class="section" aria-labelledby="errors-heading">
      <h2 id="errors-heading">Why records failed</h2>
      {groups.error ? <ErrorState error={groups.error} retry={groups.reload} /> : null}
      {groups.loading && !groups.data ? <Loading label="Grouping failures" /> : null}
      {groups.data && !groups.data.items.length ? <Empty title="No failed records">{noFailures ?? 'The failed records are listed below.'}</Empty> : null}
      {groups.data?.items.length ? (
        <ul class="error-groups" id="error-groups">
          {groups.data.items.map((group) => {
            const resolution = resolutionFor(group.resolutionKey);
            return (
              <li key={`${group.statusMessage}|${group.statuses.join()}`} class="error-group">
                <div class="error-group-head">
                  <span class="error-count">{count(group.count)}</span>
                  <div class="error-message">
                    <strong>{group.statusMessage ?? group.statuses.map(labelOf).join(', ')}</strong>
                    <div class="error-meta">
                      <CategoryBadge category={group.category} />
                      {group.statuses.map((s) => (
                        <Badge key={s} status={s} />
                      ))}
                    </div>
                  </div>
                </div>
                {group.sampleIdentifiers.length ? (
                  <p class="samples">
                    <span class="muted">Examples: </span>
                    {group.sampleIdentifiers.map((id) => (
                      <button key={id} type="button" class="chip" onClick={() => onPick(id)} aria-label={`Show the record ${id}`}>
                        {id}
                      </button>
                    ))}
                  </p>
                ) : null}
                {resolution ? (
                  <details class="resolution">
                    <summary>How to fix: {group.resolutionTitle}</summary>
                    <Markdown text={resolution} />
                  </details>
                ) : group.category === 'unknown' ? (
                  <p class="muted small">No known pattern matched this message; read it, and check the destination's documentation.</p>
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}

function RecordsSection({ runId, location }: { runId: string; location: Location }) {
  const filter = location.query.get('status') ?? 'failed';
  const identifier = location.query.get('identifier') ?? '';
  const [match, setMatch] = useState<'prefix' | 'exact'>(location.query.get('match') === 'exact' ? 'exact' : 'prefix');
  const [search, setSearch] = useState(identifier);
  const settled = useDebounced(search.trim(), 350);
  const identifierParam = settled ? (match === 'prefix' ? `${settled.replace(/\*$/, '')}*` : settled) : undefined;
  const filters = { status: statusParam(filter), identifier: identifierParam };
  const records = usePaged<RecordView>(withQuery(`/v1/runs/${seg(runId)}/records`, { ...filters, limit: 50 }));
  const [format, setFormat] = useState<'csv' | 'ndjson'>('csv');
  const [downloadState, setDownloadState] = useState<{ busy: boolean; message?: string; error?: string }>({ busy: false });

  async function downloadSample() {
    setDownloadState({ busy: true });
    try {
      const name = await download(withQuery(`/v1/runs/${seg(runId)}/records/export`, { ...filters, format, limit: 1000 }));
      setDownloadState({ busy: false, message: `Downloaded ${name}` });
    } catch (error) {
      setDownloadState({ busy: false, error: (error as ApiError).message });
    }
  }

  return (
    <section class="section" aria-labelledby="records-heading">
      <h2 id="records-heading">Records</h2>
      <form class="filters" aria-label="Filter records" onSubmit={(e) => e.preventDefault()}>
        <Field id="r-status" label="Show">
          <Select id="r-status" value={filter} options={RECORD_FILTERS} allLabel={null} onChange={(value) => setQuery(location, { status: value === 'failed' ? undefined : value })} />
        </Field>
        <Field id="r-identifier" label="Primary identifier">
          <input id="r-identifier" type="search" placeholder="e.g. ana@example.com" value={search} onInput={(e) => setSearch(e.currentTarget.value)} autocomplete="off" spellcheck={false} />
        </Field>
        <Field id="r-match" label="Match">
          <Select id="r-match" value={match} allLabel={null} options={[['prefix', 'starts with'], ['exact', 'exactly']]} onChange={(v) => setMatch(v as 'prefix' | 'exact')} />
        </Field>
        <div class="field-group">
          <Field id="r-format" label="Sample format">
            <Select id="r-format" value={format} allLabel={null} options={[['csv', 'CSV'], ['ndjson', 'NDJSON']]} onChange={(v) => setFormat(v as 'csv' | 'ndjson')} />
          </Field>
          <button type="button" class="button" onClick={downloadSample} disabled={downloadState.busy} aria-busy={downloadState.busy}>
            {downloadState.busy ? 'Preparing…' : 'Download sample'}
          </button>
        </div>
      </form>
      <p class="visually-hidden" role="status" aria-live="polite">
        {downloadState.message ?? downloadState.error ?? ''}
      </p>
      {downloadState.error ? (
        <p class="form-error" role="alert">
          {downloadState.error}
        </p>
      ) : null}
      {records.error ? <ErrorState error={records.error} retry={records.reload} /> : null}
      {records.loading && !records.items.length ? <Loading label="Reading records" /> : null}
      {!records.loading && !records.error && !records.items.length ? (
        <Empty title="No records match">{identifierParam ? 'No record with that identifier here. Try "starts with", or another status.' : 'Pick another status to see more.'}</Empty>
      ) : null}
      {records.items.length ? (
        <Table id="records-table" caption={`Records of run ${runId}`} busy={records.loading} columns={[{ label: 'Primary identifier' }, { label: 'Status' }, { label: 'Error reason' }, { label: 'Operation' }, { label: 'Batch' }, { label: 'Source payload' }]} footer={<LoadMore loadMore={records.loadMore} loading={records.loadingMore} shown={records.items.length} />}>
              {records.items.map((record) => (
                <tr key={`${record.batchType}.${record.batchNumber}.${record.rowNumber}`}>
                  <td class="identifier">{record.identifier ?? <span class="muted">(none)</span>}</td>
                  <td>
                    <Badge status={record.status} />
                    {record.final ? <span class="tag" title="The producer gave up retrying: it is in the dead-letter queue">final</span> : null}
                  </td>
                  <td class="message">{record.statusMessage ?? <span class="muted">—</span>}</td>
                  <td>{record.operation}</td>
                  <td class="small muted">
                    {record.batchType}.{record.batchNumber} #{record.rowNumber}
                  </td>
                  <td>
                    <details class="payload">
                      <summary>{payloadSummary(record.payload)}</summary>
                      <pre>{JSON.stringify(record.payload, null, 2)}</pre>
                    </details>
                  </td>
                </tr>
              ))}
        </Table>
      ) : null}
    </section>
  );
}

function payloadSummary(payload: unknown): string {
  if (!payload || typeof payload !== 'object') return String(payload);
  const keys = Object.keys(payload);
  return `${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ` +${keys.length - 3}` : ''}`;
}
