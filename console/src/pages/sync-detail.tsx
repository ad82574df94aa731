import { useMemo, useState } from 'preact/hooks';
import { withQuery } from '../api.ts';
import { Badge } from '../components/badge.tsx';
import { CoverageCell } from '../components/coverage.tsx';
import { Field, Select } from '../components/filters.tsx';
import { OutcomesChart } from '../components/outcomes-chart.tsx';
import { outcomesByDay } from '../outcomes.ts';
import { Table } from '../components/table.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { Truncated } from '../components/truncated.tsx';
import { coverageHealth } from '../coverage-health.ts';
import { ALERT_STATE_BADGES, count, percent, titleCase, when } from '../format.ts';
import { useResource, type Page } from '../hooks.ts';
import { href, seg, SYNC_PAGE_ORIGINS, syncPageOrigin, type Location } from '../router.ts';
import type { Alerts, Coverage, RunView, SyncView } from '../types.ts';
import { runsOf } from '../../../shared/domain/run-count.ts';

/** One sync: its configuration, run outcomes over time as a chart, coverage health and recent runs. */
export function SyncDetailPage({ syncId, location }: { syncId: string; location: Location }) {
  const [originPath, originLabel] = SYNC_PAGE_ORIGINS[syncPageOrigin(location)];
  const crumb = <a href={href(originPath)}>{originLabel}</a>;
  const [days, setDays] = useState('14');
  const sync = useResource<SyncView>(`/v1/syncs/${seg(syncId)}`);
  const coverage = useResource<Coverage>(`/v1/syncs/${seg(syncId)}/coverage`);
  const alerts = useResource<Alerts>(`/v1/syncs/${seg(syncId)}/alerts`);
  const runs = useResource<Page<RunView>>(withQuery('/v1/runs', { syncId, limit: 1000 }));
  const data = useMemo(() => outcomesByDay(runs.data?.items ?? [], Number(days), new Date()), [runs.data, days]);

  if (sync.error) {
    return (
      <>
        <PageHeader title={`Sync ${syncId}`} crumbs={crumb} />
        <ErrorState error={sync.error} retry={sync.reload} />
      </>
    );
  }
  if (!sync.data) return <Loading label="Loading sync" />;
  const s = sync.data;
  const threshold = coverage.data?.threshold ?? s.coverageThreshold ?? 0.9;
  return (
    <>
      <PageHeader
        crumbs={crumb}
        title={
          <>
            {s.name} <span class="arrow" aria-hidden="true">→</span>
            <span class="visually-hidden"> to </span> {s.destination.name}
          </>
        }
        subtitle={
          <>
            <Badge status={s.destinationStatus} /> <span class="muted">{titleCase(s.syncType)} sync · {s.operation} · {s.destination.connectionType}</span>
          </>
        }
        actions={
          <a class="button" href={href('/history', { syncId })}>
            All runs in Sync History
          </a>
        }
      />
      <section class="section" aria-labelledby="chart-heading">
        <div class="section-head">
          <h2 id="chart-heading">Run outcomes over time</h2>
          <Field id="chart-days" label="Period">
            <Select id="chart-days" value={days} allLabel={null} options={[['7', 'Last 7 days'], ['14', 'Last 14 days'], ['30', 'Last 30 days'], ['90', 'Last 90 days']]} onChange={setDays} />
          </Field>
        </div>
        {runs.error ? <ErrorState error={runs.error} retry={runs.reload} /> : null}
        {runs.loading && !runs.data ? <Loading label="Loading runs" /> : null}
        {runs.data ? (runs.data.items.length ? <OutcomesChart data={data} threshold={threshold} title={`Runs of ${s.name} to ${s.destination.name}`} /> : <Empty title="No runs yet" />) : null}
      </section>
      {coverage.data ? (
        <section class="section" aria-labelledby="coverage-heading">
          <h2 id="coverage-heading">Coverage health</h2>
          <p class={coverage.data.lowCoverage ? 'callout callout-warn' : 'callout'} id="coverage-health">
            {coverageHealth(coverage.data, threshold)}
          </p>
        </section>
      ) : null}
      {alerts.data ? (
        <section class="section" aria-labelledby="alerts-heading">
          <h2 id="alerts-heading">Alerts</h2>
          {alerts.data.rules.length ? (
            <ul class="alert-rules" id="alert-rules">
              {alerts.data.rules.map((rule) => (
                <li key={rule.type} class={`alert-rule${rule.state === 'firing' ? ' firing' : ''}`}>
                  <Badge status={rule.state} tone={ALERT_STATE_BADGES[rule.state].tone} label={ALERT_STATE_BADGES[rule.state].label} />
                  <strong>{describeRule(rule)}</strong>
                  {rule.detail ? <span class="muted small">{rule.detail}</span> : null}
                  {rule.since ? <span class="muted small">since {when(rule.since)}</span> : null}
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">No alert rules. An admin key sets them (run errors, a failed share, low coverage, freshness, volume anomalies, missed or slow runs, unaccounted records) with <code>PUT /v1/syncs/{syncId}/alerts</code>; they reach your webhooks.</p>
          )}
        </section>
      ) : null}
      <section class="section" aria-labelledby="config-heading">
        <h2 id="config-heading">Configuration</h2>
        <dl class="facts">
          <div>
            <dt>Source</dt>
            <dd>
              {s.source.name} <span class="muted small">{s.source.type}</span>
            </dd>
          </div>
          <div>
            <dt>Destination</dt>
            <dd>
              {s.destination.name} <span class="muted small">{s.destination.id}</span>
            </dd>
          </div>
          {s.destinationObject ? (
            <div>
              <dt>Destination object</dt>
              <dd>
                {s.destinationObject.name} <span class="muted small">{s.destinationObject.type}</span>
              </dd>
            </div>
          ) : null}
          {s.instance ? (
            <div>
              <dt>Instance</dt>
              <dd>
                <a href={href(`/instances/${seg(s.instance)}`)}>{s.instance}</a>
              </dd>
            </div>
          ) : null}
          {s.syncType === 'signal' ? (
            <div>
              <dt>Watermark</dt>
              <dd>{s.watermark ? when(s.watermark.maxEventDate) : 'none yet'}</dd>
            </div>
          ) : null}
          <div>
            <dt>Enabled</dt>
            <dd>{s.enabled ? 'yes' : 'no'}</dd>
          </div>
          <div>
            <dt>Changed</dt>
            <dd>
              {when(s.updatedAt)} · <a href={href('/audit', { syncId })}>history</a>
            </dd>
          </div>
        </dl>
      </section>
      {runs.data?.items.length ? (
        <section class="section" aria-labelledby="recent-heading">
          <h2 id="recent-heading">Recent runs</h2>
          <Table caption="Recent runs of this sync" columns={[{ label: 'Started' }, { label: 'Status' }, { label: 'Items Processed' }, { label: 'Items Failed', num: true }, { label: 'Status Message' }, { label: 'Records', hidden: true }]}>
                {runs.data.items.slice(0, 10).map((run) => (
                  <tr key={run.runId}>
                    <td>{when(run.startedAt)}</td>
                    <td>
                      <Badge status={run.status} />
                    </td>
                    <td>
                      <CoverageCell processed={run.itemsProcessed} running={run.status === 'running'} total={run.itemsTotal} rate={run.coverageRate} threshold={threshold} />
                    </td>
                    <td class="num">{count(run.itemsFailed)}</td>
                    <td class="message">
                      <Truncated text={run.statusMessage} max={60} />
                    </td>
                    <td>
                      <a href={href(`/runs/${seg(run.runId)}`)}>{run.recordsAvailable ? 'View Records' : 'Details'}</a>
                    </td>
                  </tr>
                ))}
          </Table>
        </section>
      ) : null}
    </>
  );
}

function describeRule(rule: Alerts['rules'][number]): string {
  switch (rule.type) {
    case 'run_error':
      return 'A run ends in error';
    case 'failed_percent':
      return `More than ${rule.above}% of a run's records fail`;
    case 'low_coverage':
      return `Coverage under ${percent(rule.below, 0)} for ${runsOf(rule.runs, 'finished')} in a row`;
    case 'freshness':
      return `Newest event older than ${rule.maxAgeHours} hours`;
    case 'volume_anomaly':
      return `A run's records below ${rule.drop}× or above ${rule.spike}× the median of the last ${runsOf(rule.runs, 'finished')}`;
    case 'missed_run':
      return `No run started for ${rule.everyHours * 1.5} hours (expected every ${rule.everyHours} hours)`;
    case 'slow_run':
      return `A run takes longer than ${rule.aboveMinutes} minutes`;
    case 'unaccounted':
      return `Records extracted but never reported: more than ${rule.above} in a run`;
  }
}
