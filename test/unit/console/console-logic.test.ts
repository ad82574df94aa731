import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '#domain/error-catalogue.ts';
import { buildConsole, errorResolutions } from '../../../console/build.ts';
import { changes } from '../../../console/src/diff.ts';
import { coverageHealth } from '../../../console/src/coverage-health.ts';
import { ALERT_STATE_BADGES } from '../../../console/src/format.ts';
import { outcomesByDay, type ChartRun } from '../../../console/src/outcomes.ts';
import { noFailuresReason, noRecordsReason } from '../../../console/src/run-states.ts';
import { countingDoc } from '../../../console/src/counting-doc.ts';

const run = (startedAt: string, status: string, coverageRate: number | null, dryRun = false): ChartRun => ({ runId: startedAt, status, startedAt, coverageRate, dryRun });

describe('outcomesByDay', () => {
  it('buckets runs by UTC start day and averages the coverage of finished runs', () => {
    // Arrange
    const runs = [
      run('2026-11-20T23:59:00Z', 'complete', 1),
      run('2026-11-21T00:00:00Z', 'partial_complete', 0.8),
      run('2026-11-21T12:00:00Z', 'error', 0),
      run('2026-11-21T13:00:00Z', 'running', 0.5),
      run('2026-11-21T14:00:00Z', 'complete', 1, true),
    ];

    // Act
    const days = outcomesByDay(runs, 3, new Date('2026-11-22T08:00:00Z'));

    // Assert
    expect(days.map((d) => d.day)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22']);
    expect(days[0]).toEqual({ day: '2026-11-20', complete: 1, partial: 0, error: 0, running: 0, coverage: 1 });
    // The running run counts as running but not in the coverage; the dry run not at all.
    expect(days[1]).toEqual({ day: '2026-11-21', complete: 0, partial: 1, error: 1, running: 1, coverage: 0.4 });
    expect(days[2]).toEqual({ day: '2026-11-22', complete: 0, partial: 0, error: 0, running: 0, coverage: null });
  });

  it('leaves out runs before the period and after its last day', () => {
    const days = outcomesByDay([run('2026-11-10T10:00:00Z', 'complete', 1), run('2026-11-23T00:00:01Z', 'complete', 1)], 2, new Date('2026-11-22T23:00:00Z'));
    expect(days.reduce((n, d) => n + d.complete, 0)).toBe(0);
  });
});

describe('coverageHealth', () => {
  const health = (runsConsidered: number, averageCoverage: number | null, lowCoverage = false, window = 3) => coverageHealth({ runsConsidered, averageCoverage, lowCoverage, window }, 0.9);

  it('names the runs it looked at: the last run, the last 2 runs, never the window when there are fewer', () => {
    expect(health(0, null)).toBe('No finished runs yet.');
    expect(health(1, 0.5)).toBe('Coverage of the last finished run: 50.0% (threshold 90%). Low coverage is judged over 3 finished runs in a row.');
    expect(health(2, 0.75)).toBe('Average coverage of the last 2 finished runs: 75.0% (threshold 90%). Low coverage is judged over 3 finished runs in a row.');
    expect(health(3, 0.95)).toBe('Average coverage of the last 3 finished runs: 95.0% (threshold 90%).');
  });

  it('says how long coverage has been low, in runs looked at', () => {
    expect(health(3, 0.6, true)).toMatch(/^Coverage has been below 90% for each of the last 3 finished runs \(average 60\.0%\)\./);
    expect(health(1, 0.6, true, 1)).toMatch(/^Coverage has been below 90% for the last finished run \(60\.0%\)\./);
  });
});

describe('alert state badges', () => {
  it('show a rule not yet judged in words of its own, never in the OK colour', () => {
    expect(ALERT_STATE_BADGES.pending.label).toBe('Not yet judged');
    expect(ALERT_STATE_BADGES.pending.tone).not.toBe(ALERT_STATE_BADGES.ok.tone);
    expect(ALERT_STATE_BADGES.firing.tone).toBe('error');
  });
});

describe('changes (audit diff)', () => {
  it('lists changed leaves by path, added and removed fields included', () => {
    const before = { name: 'A', destination: { id: 'd1', name: 'Meta' }, enabled: true };
    const after = { name: 'A', destination: { id: 'd1', name: 'Meta Ads' }, coverageThreshold: 0.95 };
    expect(changes(before, after)).toEqual([
      { path: 'destination.name', before: 'Meta', after: 'Meta Ads' },
      { path: 'enabled', before: true, after: undefined },
      { path: 'coverageThreshold', before: undefined, after: 0.95 },
    ]);
  });

  it('finds nothing when only key order differs', () => {
    expect(changes({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toEqual([]);
  });
});

describe('console build', () => {
  it('carries a resolution for every error pattern the API can name', () => {
    const resolutions = errorResolutions(readFileSync('docs/errors.md', 'utf8'));
    for (const pattern of ERROR_CATALOGUE) {
      expect(resolutions[pattern.key], pattern.key).toMatch(/\*\*Resolve:\*\*/);
    }
  });

  it('builds one hashed script and stylesheet that index.html references, small enough to load fast', async () => {
    // Act
    const bundle = await buildConsole();

    // Assert
    const html = bundle.get('/index.html')!.body.toString('utf8');
    const assets = [...bundle.keys()].filter((path) => path.startsWith('/assets/'));
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/assets\/app-[A-Z0-9]{8}\.(js|css)$/);
      expect(html).toContain(`"${asset}"`);
      expect(bundle.get(asset)!.cacheControl).toContain('immutable');
    }
    expect(bundle.get('/index.html')!.cacheControl).toBe('no-cache');
    const script = bundle.get(assets.find((a) => a.endsWith('.js'))!)!.body;
    expect(script.length).toBeLessThan(150 * 1024);
    // The resolutions are compiled in; no server code is (types only).
    expect(script.toString('utf8')).toContain('re-authorize the connection');
    // So is docs/counting.md, for the console's own How SyncTrail counts page.
    expect(script.toString('utf8')).toContain('Total Operations (partial successes are not successes)');
    expect(script.toString('utf8')).not.toMatch(/@aws-sdk|DynamoDB|zod/);
  });
});

describe('what a run page says when it has nothing to list', () => {
  const base = { status: 'complete', itemsTotal: 0, itemsFailed: 0, batchCount: 0, records: { received: 0, failed: 0, inProgress: 0, superseded: 0 } };

  it('names why a run has no rows: still running, an error before any batch, counts only, or nothing', () => {
    expect(noRecordsReason({ ...base, status: 'running' })!.title).toBe('No records yet');
    const error = noRecordsReason({ ...base, status: 'error', itemsTotal: 40, itemsFailed: 40 })!;
    expect(error.title).toBe('No records were posted');
    expect(error.text).toContain('Sync History counts its 40 items as failed');
    expect(noRecordsReason({ ...base, itemsTotal: 1250 })!.text).toContain('reported 1,250 items without posting records');
    expect(noRecordsReason(base)!.title).toBe('No records');
    expect(noRecordsReason({ ...base, batchCount: 1, records: { ...base.records, received: 3 } })).toBeNull();
  });

  it('never says every record was processed when Sync History counts failed items', () => {
    const posted = { ...base, batchCount: 1, records: { received: 40, failed: 0, inProgress: 0, superseded: 0 } };
    // An error run: its records were fine, Sync History fails them all
    expect(noFailuresReason({ ...posted, status: 'error', itemsTotal: 40, itemsFailed: 40 })).toContain('ended in error, so Sync History counts all its 40 items as failed');
    // Items counted but never sent, and records still in flight at completion
    expect(noFailuresReason({ ...posted, status: 'partial_complete', itemsTotal: 45, itemsFailed: 7, records: { ...posted.records, inProgress: 2 } })).toBe(
      'No posted record failed. The 7 failed items in Sync History are 5 items the producer counted but never sent and 2 records still in progress at completion.',
    );
    expect(noFailuresReason({ ...posted, status: 'running', records: { ...posted.records, inProgress: 1 } })).toBe('No record has failed so far; 1 record is still in progress.');
    expect(noFailuresReason({ ...posted, itemsTotal: 40 })).toBe('No failed records. Every record of this run was processed.');
    expect(noFailuresReason({ ...posted, records: { ...posted.records, failed: 1 } })).toBeNull();
  });
});

describe('the How SyncTrail counts page', () => {
  it('takes its title from docs/counting.md and keeps the rest as its body', () => {
    const { title, body } = countingDoc(readFileSync('docs/counting.md', 'utf8'));
    expect(title).toBe('How SyncTrail counts');
    expect(body).not.toMatch(/^# /m);
    expect(body).toContain('| Sync Logs cards | Success Rate |');
  });
});
