import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_KEY, apiClient, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { collectPageErrors, launchChromium, screenshot } from '../support/browser.ts';
import { startReceiver } from '../support/receiver.ts';
import { parseKey } from '#domain/keys.ts';
import { LOG_STATUS_LABELS, type LogStatus } from '#domain/statuses.ts';
import { ALERT_STATE_BADGES, labelOf } from '../../console/src/format.ts';

/**
 * The console in real headless Chromium against local mode loaded with the demo org: the
 * operator's path from sign-in to "which records failed in yesterday's Meta Ads run, and why?".
 */
describe('console in a browser', () => {
  let stack: TestStack;
  let api: Api;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let adminKey: string;
  let errors: string[];
  // Chromium logs every 4xx fetch; the ones this suite provokes on purpose are not failures.
  const unexpected = () => errors.filter((e) => !/Failed to load resource: the server responded with a status of (401|403|409)/.test(e));

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.url);
    const demo = await api.post('/_local/demo', ROOT_KEY, { orgId: 'demo' });
    expect(demo.status).toBe(201);
    adminKey = demo.body.adminKey;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    errors = collectPageErrors(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const goto = async (hash: string) => {
    await page.goto(`${stack.url}/#${hash}`);
    await page.locator('main h1').first().waitFor();
  };

  /**
   * Every badge on the page reads the word of the status it wears (`data-status`): a DUPLICATE
   * row can never read "Succeeded". Alert rule badges read their state's word.
   */
  const expectBadgesAgree = async (where: string) => {
    const badges = (await page.locator('main .badge[data-status]').evaluateAll((els) =>
      els.map((el) => ({ status: el.getAttribute('data-status')!, text: el.textContent!.trim(), alert: Boolean(el.closest('#alert-rules')) })),
    )) as Array<{ status: string; text: string; alert: boolean }>;
    for (const badge of badges) {
      const expected = badge.alert ? ALERT_STATE_BADGES[badge.status as keyof typeof ALERT_STATE_BADGES].label : labelOf(badge.status);
      // A tally badge puts its count first ("4 Partial Complete").
      expect(badge.text.replace(/^[\d,]+ /, ''), `${where}: a ${badge.status} badge`).toBe(expected);
    }
    return badges.length;
  };

  it('refuses a wrong key with a clear message, and the root key offers to create an org', async () => {
    // Arrange
    await page.goto(`${stack.url}/`);
    await screenshot(page, '01-sign-in');

    // Act: a key that does not exist
    await page.getByLabel('API key').fill('st_aaaaaaaaaaaaaaaaaaaa_nope');
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Assert
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');

    // Act: the root key
    await page.getByLabel('API key').fill(ROOT_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Create an org' }).waitFor();
    await page.getByLabel('Org id').fill('acme');
    await page.getByRole('button', { name: 'Create org' }).click();

    // Assert: the org exists, and its admin key is shown once
    await page.getByRole('heading', { name: 'Org acme created' }).waitFor();
    const shown = await page.getByLabel('Admin key').inputValue();
    expect(shown).toMatch(/^st_/);
    expect((await api.get('/v1/syncs', shown)).status).toBe(200);
  });

  it('signs in with a key kept in session storage only, and shows Sync History', async () => {
    // Arrange
    await page.evaluate('sessionStorage.clear()');
    await page.goto(`${stack.url}/`);

    // Act
    await page.getByLabel('API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#runs-table tbody tr').first().waitFor();

    // Assert
    const runs = await api.get('/v1/runs?limit=1000', adminKey);
    const rows = await page.locator('#runs-table tbody tr').count();
    expect(rows).toBe(Math.min(50, runs.body.items.length));
    expect(await page.evaluate("sessionStorage.getItem('synctrail.key')")).toBe(adminKey);
    expect(await page.evaluate('Object.keys(localStorage)')).toEqual([]);
    expect(page.url()).not.toContain(adminKey);
    // Every Sync History field is a column.
    const headers = (await page.locator('#runs-table thead th').allTextContents()).join(' | ');
    for (const field of ['Entity Name', 'Sync Type', 'Destination Name', 'Connection Type', 'Status', 'Items Total', 'Items Processed', 'Items Failed', 'Max Event Date', 'Execution Date', 'Status Message']) {
      expect(headers).toContain(field);
    }
    await expect.poll(() => page.evaluate('document.activeElement?.tagName')).toBe('H1');
    // A run still open is counted "so far", never flagged low: its records in flight are not failures yet
    const running = page.locator('#runs-table tbody tr', { has: page.locator('.badge[data-status="running"]') });
    expect(await running.count()).toBeGreaterThan(0);
    for (const row of await running.all()) {
      expect(await row.locator('.coverage-flag').count()).toBe(0);
      expect(await row.locator('.coverage-rate').textContent()).toContain('so far');
    }
    await screenshot(page, '02-sync-history');
  });

  it('filters Sync History by connection and status, kept in the address', async () => {
    // Act
    await page.getByLabel('Connection').selectOption('Meta Ads');
    await page.getByLabel('Status', { exact: true }).selectOption('error');
    await expect.poll(() => page.url()).toContain('status=error');

    // Assert: exactly the API's answer for the same filters
    const expected = await api.get('/v1/runs?connectionType=Meta%20Ads&status=error', adminKey);
    expect(expected.body.items.length).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#runs-table tbody tr').count()).toBe(expected.body.items.length);
    const ids = await page.locator('#runs-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run-id')));
    expect(ids).toEqual(expected.body.items.map((r: { runId: string }) => r.runId));
    expect(await page.locator('#runs-table tbody .badge[data-status]').evaluateAll((b) => [...new Set(b.map((x) => x.getAttribute('data-status')))])).toEqual(['error']);
    await screenshot(page, '03-sync-history-filtered');

    // Act: Clear
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => page.url()).not.toContain('status=');
  });

  it("opens yesterday's Meta Ads run and sees which records failed, and why", async () => {
    // Arrange: the newest finished run of the Meta Ads audience sync
    const runs = await api.get('/v1/runs?syncId=hv-customers-meta', adminKey);
    const yesterday = runs.body.items.find((r: { status: string }) => r.status !== 'running');
    await goto('/history?connectionType=Meta%20Ads');

    // Act
    await page.locator(`#runs-table tr[data-run-id="${yesterday.runId}"]`).getByRole('link', { name: /View records/i }).click();
    await page.locator('#error-groups').waitFor();

    // Assert: failures grouped by message with their category, and the fix from docs/errors.md
    const groups = await api.get(`/v1/runs/${yesterday.runId}/errors`, adminKey);
    await expect.poll(() => page.locator('#error-groups > li').count()).toBe(groups.body.items.length);
    const invalidEmail = page.locator('#error-groups > li', { hasText: 'Invalid email format' });
    await expect.poll(() => invalidEmail.textContent()).toContain('Data problem');
    await invalidEmail.getByText('How to fix').click();
    await expect.poll(() => invalidEmail.locator('.markdown').textContent()).toContain('Resolve:');

    // The records table starts at the invalid or rejected ones (Sync Tracking).
    await page.locator('#records-table tbody tr').first().waitFor();
    const statuses = await page.locator('#records-table tbody .badge[data-status]').evaluateAll((b) => b.map((x) => x.getAttribute('data-status')));
    expect(statuses.length).toBe(yesterday.itemsFailed);
    expect(statuses.every((s) => ['rejected', 'extraction_failed', 'NULL', 'DUPLICATE'].includes(s!))).toBe(true);
    await screenshot(page, '04-view-records');
  });

  it('searches a record by its primary identifier', async () => {
    // Arrange: one rejected identifier of the run on screen
    const identifier = (await page.locator('#records-table tbody td.identifier').first().textContent())!;

    // Act
    await page.getByLabel('Primary identifier').fill(identifier);
    await page.getByLabel('Match').selectOption('exact');

    // Assert
    await expect.poll(async () => (await page.locator('#records-table tbody td.identifier').allTextContents()).join('|')).toBe(identifier);
    await page.locator('#records-table details.payload summary').first().click();
    expect(JSON.parse((await page.locator('#records-table details.payload pre').first().textContent())!)).toHaveProperty('email');
    await screenshot(page, '05-identifier-search');
    await page.getByLabel('Primary identifier').fill('');
  });

  it('downloads a sample of the rejected records as CSV, without the key in any URL', async () => {
    // Arrange
    await page.getByLabel('Show', { exact: true }).selectOption('rejected,extraction_failed');
    await page.locator('#records-table tbody tr').first().waitFor();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));

    // Act
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download sample' }).click()]);

    // Assert
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(csv[0]).toContain('identifier');
    expect(csv.length - 1).toBe(await page.locator('#records-table tbody tr').count());
    expect(csv.slice(1).every((line) => line.includes('rejected'))).toBe(true);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    expect(requests.some((url) => url.includes(adminKey))).toBe(false);
  });

  it('shows Sync Logs with the cards of every matching row, and an entity type list that follows the instance', async () => {
    // Arrange
    const stats = await api.get('/v1/stats', adminKey);
    await goto('/logs');

    // Assert: the cards show the API's numbers, In Progress among them
    const cards = page.locator('#stat-cards');
    const card = (label: string) => cards.locator(`.card:has(.card-label:text-is("${label}")) .card-value`);
    await expect.poll(() => card('Total Operations').textContent()).toBe(stats.body.totalOperations.toLocaleString('en-US'));
    expect(await card('Failed').textContent()).toBe(stats.body.failed.toLocaleString('en-US'));
    expect(await card('In Progress').textContent()).toBe(stats.body.inProgress.toLocaleString('en-US'));
    expect(stats.body.inProgress).toBeGreaterThan(0);
    expect(await card('Success Rate').textContent()).toBe(`${(stats.body.successRate * 100).toFixed(1)}%`);
    await page.locator('#logs-table tbody tr').first().waitFor();
    expect(await page.locator('#logs-table tbody tr').count()).toBe(100);
    // Each row wears SyncTrail's badge for it, in the API's order, the producer's word in Details
    const logs = (await api.get('/v1/logs?limit=100', adminKey)).body.items as Array<{ badge: LogStatus; reportedStatus: string | null }>;
    const rows = page.locator('#logs-table tbody tr');
    expect(await rows.locator('.badge').evaluateAll((els) => els.map((el) => el.getAttribute('data-status')))).toEqual(logs.map((row) => row.badge));
    expect(await rows.locator('.badge').allTextContents()).toEqual(logs.map((row) => LOG_STATUS_LABELS[row.badge]));
    const reported = logs.findIndex((row) => row.reportedStatus);
    expect(await rows.nth(reported).locator('.reported').textContent()).toBe(`Reported: ${logs[reported]!.reportedStatus}`);
    expect(await expectBadgesAgree('/logs')).toBe(100);

    // Act: pick the instance; the entity types narrow to its own
    await page.getByLabel('Instance').selectOption('erp-to-shopify');
    await expect.poll(async () => (await page.getByLabel('Entity Type').locator('option').allTextContents()).join(',')).toBe('All entity types,bp,item');
    await page.getByLabel('Entity Type').selectOption('item');
    await page.getByLabel('Source ID').fill('item-1000');

    // Assert: only item rows whose source id contains the text (case-insensitive)
    await expect.poll(async () => {
      const ids = await page.locator('#logs-table tbody td.source-id').allTextContents();
      return ids.length > 0 && ids.every((id) => id.toLowerCase().includes('item-1000'));
    }).toBe(true);
    // The cards count every matching row (the API's count), not the rows loaded
    const narrowed = (await api.get('/v1/stats?instance=erp-to-shopify&entityType=item&sourceId=item-1000', adminKey)).body;
    expect(narrowed.countedFrom).toBe('rows');
    await expect.poll(() => card('Total Operations').textContent()).toBe(narrowed.totalOperations.toLocaleString('en-US'));
    expect(await card('Success').textContent()).toBe(narrowed.success.toLocaleString('en-US'));
    expect(await page.locator('#cards-note').textContent()).toContain('every matching row');
    const details = page.locator('#logs-table .truncated-text[title]').first();
    if (await details.count()) expect((await details.getAttribute('title'))!.length).toBeGreaterThan(48);
    await expectBadgesAgree('/logs filtered');
    await screenshot(page, '06-sync-logs');

    // Act: Clear
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => page.getByLabel('Instance').inputValue()).toBe('');
    await expect.poll(() => page.getByLabel('Source ID').inputValue()).toBe('');
  });

  it('filters Sync Logs by status: in-progress records, superseded ones hidden, invalid data failed with its reason', async () => {
    // Act
    await goto('/logs');
    await page.getByLabel('Status', { exact: true }).selectOption('in_progress');

    // Assert: only In Progress rows, as many as the API counts, none a later record superseded
    await expect.poll(() => page.url()).toContain('status=in_progress');
    const stats = (await api.get('/v1/stats?status=in_progress', adminKey)).body;
    const listed = (await api.get('/v1/logs?status=in_progress&limit=1000', adminKey)).body.items as Array<{ sourceId: string }>;
    expect(stats.totalOperations).toBe(listed.length);
    expect(stats.inProgress).toBe(listed.length);
    await expect.poll(() => page.locator('#logs-table tbody tr').count()).toBe(listed.length);
    expect(new Set(await page.locator('#logs-table tbody .badge').allTextContents())).toEqual(new Set(['In Progress']));
    await expect.poll(() => page.locator('#stat-cards .card:has(.card-label:text-is("In Progress")) .card-value').textContent()).toBe(String(listed.length));
    const done = (await api.get('/v1/logs?status=success&sourceId=ITEM-100&limit=1000', adminKey)).body.items as Array<{ sourceId: string; runId: string }>;
    const supersededIds = new Set(done.map((row) => `${row.runId}|${row.sourceId}`));
    const inProgressRows = (await api.get('/v1/logs?status=in_progress,extracting&limit=1000', adminKey)).body.items as Array<{ sourceId: string; runId: string }>;
    expect(inProgressRows.some((row) => supersededIds.has(`${row.runId}|${row.sourceId}`))).toBe(false);
    await screenshot(page, '06b-sync-logs-in-progress');

    // Act: Failed, with a duplicate identifier's row among them
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await expect.poll(() => page.url()).toContain('status=failed');
    const failedRows = (await api.get('/v1/logs?status=failed&limit=1000', adminKey)).body.items as Array<{ sourceId: string; invalidReason: string | null; reportedStatus: string | null }>;
    const twice = failedRows.find((row) => row.invalidReason === 'duplicate')!;
    expect(twice.reportedStatus).toBe('succeeded');
    await page.getByLabel('Source ID').fill(twice.sourceId);
    const duplicate = page.locator('#logs-table tbody tr', { hasText: 'Invalid data: duplicate' }).first();
    await duplicate.waitFor();

    // Assert: the duplicate reads Failed in red, never the producer's "Succeeded"
    expect(await duplicate.locator('.badge').textContent()).toBe('Failed');
    expect(await duplicate.locator('.badge').getAttribute('class')).toContain('badge-error');
    expect(await duplicate.locator('.reported').textContent()).toMatch(/^Reported: /);
    await expectBadgesAgree('/logs failed');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => page.url()).not.toContain('status=');
  });

  it('says the true reason when a run page has nothing to list: an error run, an OpenLineage run, an in-flight run', async () => {
    // Arrange: an error run with no record posted, an OpenLineage run with counts only
    const runs = (await api.get('/v1/runs?status=error&limit=100', adminKey)).body.items as Array<{ runId: string; itemsTotal: number; records: { received: number } }>;
    const errorRun = runs.find((run) => run.records.received === 0 && run.itemsTotal > 0)!;
    const { key: producer } = (await api.post('/v1/keys', adminKey, { scopes: ['ingest', 'read'], label: 'lineage producer' })).body;
    const lineage = { eventTime: '2026-12-01T06:00:00Z', run: { runId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }, job: { namespace: 'dbt', name: 'daily.orders' }, outputs: [{ namespace: 'postgres://warehouse', name: 'analytics.orders' }], producer: 'https://github.com/OpenLineage/OpenLineage' };
    expect((await api.post('/v1/lineage', producer, { ...lineage, eventType: 'START' })).status).toBe(200);
    const complete = { ...lineage, eventType: 'COMPLETE', eventTime: '2026-12-01T06:04:00Z', outputs: [{ ...lineage.outputs[0], outputFacets: { outputStatistics: { rowCount: 1250 } } }] };
    expect((await api.post('/v1/lineage', producer, complete)).status).toBe(200);

    // Act + Assert: the error run
    await goto(`/runs/${errorRun.runId}`);
    await page.locator('.state-empty', { hasText: 'No records were posted' }).waitFor();
    let text = (await page.locator('main').textContent())!;
    expect(text).toContain('No records were posted');
    expect(text).toContain(`Sync History counts its ${errorRun.itemsTotal} items as failed`);
    expect(text).not.toContain('Every record of this run was processed');
    expect(text).not.toContain('No records match');
    await expectBadgesAgree('error run');
    await screenshot(page, '04b-error-run');

    // Act + Assert: the OpenLineage run
    await goto(`/runs/${lineage.run.runId}`);
    await page.locator('.state-empty', { hasText: 'Counts only, no row-level records' }).waitFor();
    text = (await page.locator('main').textContent())!;
    expect(text).toContain('Counts only, no row-level records');
    expect(text).toContain('1,250 items');
    expect(text).not.toContain('No records match');

    // Act + Assert: today's items run, completed with records in flight
    const items = (await api.get('/v1/runs?syncId=items-to-shopify&limit=1', adminKey)).body.items[0];
    expect(items.records.inProgress).toBeGreaterThan(0);
    await goto(`/runs/${items.runId}?status=all`);
    await page.locator('#records-table tbody tr').first().waitFor();
    expect(await page.locator('.status-message').textContent()).toContain('still in progress');
    await expect.poll(() => page.locator('#records-table tbody .badge[data-status="in_progress"]').count()).toBeGreaterThan(0);
    await expectBadgesAgree('in-flight run');

    // Act + Assert: the Show filter lists the records still in flight, as many as the run counts
    await page.getByLabel('Show', { exact: true }).selectOption('in_progress,extracting');
    await expect.poll(() => page.url()).toMatch(/status=in_progress(%2C|,)extracting/);
    await expect.poll(() => page.locator('#records-table tbody tr').count()).toBe(items.records.inProgress);
    const shown = await page.locator('#records-table tbody .badge').evaluateAll((badges) => badges.map((b) => b.getAttribute('data-status')));
    expect(shown.every((status) => status === 'in_progress' || status === 'extracting'), shown.join()).toBe(true);
  });

  it('answers an unknown address with a page of its own, and a sync page goes back where it came from', async () => {
    // Act: an address the console has no page for
    await goto('/nope');

    // Assert
    expect(await page.locator('main h1').textContent()).toBe('Page not found');
    expect(await page.locator('#not-found').textContent()).toContain('/nope');
    expect(await page.locator('#runs-table').count()).toBe(0);
    await page.locator('#not-found').getByRole('link', { name: 'Go to Sync History' }).click();
    await page.locator('#runs-table tbody tr').first().waitFor();

    // Act: Sync History → a sync's page
    await page.locator('#runs-table tbody tr').first().locator('a[href^="#/syncs/"]').click();
    await page.locator('figure.chart').waitFor();

    // Assert: the breadcrumb and the tab say Sync History
    expect(await page.locator('nav.crumbs').textContent()).toBe('Sync History');
    expect(await page.locator('nav[aria-label="Main"] a[aria-current="page"]').textContent()).toBe('Sync History');

    // Act: Destinations → a sync's page
    await goto('/destinations');
    await page.locator('#destinations-table tbody tr').first().locator('a[href^="#/syncs/"]').click();
    await page.locator('figure.chart').waitFor();
    expect(await page.locator('nav.crumbs').textContent()).toBe('Destinations');
    expect(await page.locator('nav[aria-label="Main"] a[aria-current="page"]').textContent()).toBe('Destinations');
  });

  it('links the counters to the page that says how each number is counted', async () => {
    // Act
    await goto('/logs');
    await page.locator('#cards-note').getByRole('link', { name: 'How these numbers are counted' }).click();

    // Assert: docs/counting.md, its tables as tables
    await page.getByRole('heading', { name: 'How SyncTrail counts' }).waitFor();
    const doc = page.locator('#counting-doc');
    expect(await doc.locator('h2').allTextContents()).toContain('The numbers');
    const rows = await doc.locator('table tbody tr').allTextContents();
    expect(rows.some((row) => row.includes('Success Rate') && row.includes('Success ÷ Total Operations'))).toBe(true);
    expect(rows.some((row) => row.includes('Items Total'))).toBe(true);
    // Sync History and a run page carry the same link
    await goto('/history');
    expect(await page.locator('.page-header a.counting-link').getAttribute('href')).toBe('#/counting');
    await screenshot(page, '06c-counting');
  });

  it('shows destinations with their current status, and a sync page with the outcomes chart', async () => {
    // Act
    await goto('/destinations');
    await page.locator('#destinations-table tbody tr').first().waitFor();

    // Assert
    const destinations = await api.get('/v1/destinations', adminKey);
    expect(await page.locator('#destinations-table tbody tr').count()).toBe(destinations.body.items.length);
    const meta = page.locator('#destinations-table tbody tr', { hasText: 'Meta Ads — Main Account' });
    expect(await meta.locator('.badge').getAttribute('data-status')).toBe('running');
    // Running now, so the message beside it is the previous run's, and says so
    const metaApi = destinations.body.items.find((d: { destinationName: string }) => d.destinationName === 'Meta Ads — Main Account');
    expect(await meta.locator('td').nth(4).textContent()).toBe('running now');
    if (metaApi.lastStatusMessage) expect(await meta.locator('td.message').textContent()).toMatch(/^Previous run: /);
    await screenshot(page, '07-destinations');

    // Act: the sync's page, with alert rules set
    await api.put('/v1/syncs/hv-customers-meta/alerts', adminKey, { rules: [{ type: 'run_error' }, { type: 'failed_percent', above: 50 }] });
    await meta.getByRole('link', { name: 'High-value customers' }).click();
    await page.locator('figure.chart svg').waitFor();

    // Assert: the chart says what the runs say
    const runs = (await api.get('/v1/runs?syncId=hv-customers-meta', adminKey)).body.items as Array<{ status: string }>;
    const label = (await page.locator('figure.chart svg').getAttribute('aria-label'))!;
    const n = (status: string) => runs.filter((r) => r.status === status).length;
    expect(label).toContain(`${n('complete')} complete, ${n('partial_complete')} partial, ${n('error')} error runs`);
    expect(await page.locator('figure.chart rect.chart-error').count()).toBe(n('error'));
    expect(await page.locator('figure.chart rect.chart-running').count()).toBe(n('running'));
    await expect.poll(() => page.locator('#alert-rules li').count()).toBe(2);
    expect(await page.locator('#alert-rules').textContent()).toContain('A run ends in error');
    await screenshot(page, '08-sync-chart');

    // Assert: each rule's badge is the state the API judged when the rules were set
    const judged = (await api.get('/v1/syncs/hv-customers-meta/alerts', adminKey)).body.rules as Array<{ state: string }>;
    expect(await page.locator('#alert-rules .badge').evaluateAll((els) => els.map((el) => el.getAttribute('data-status')))).toEqual(judged.map((r) => r.state));
    expect(judged.map((r) => r.state)).not.toContain('pending');
    // Coverage health names the runs it looked at
    const coverage = (await api.get('/v1/syncs/hv-customers-meta/coverage', adminKey)).body;
    expect(await page.locator('#coverage-health').textContent()).toContain(coverage.runsConsidered === 1 ? 'the last finished run' : `the last ${coverage.runsConsidered} finished runs`);

    // Act: a sync with no run yet, with a rule
    await api.put('/v1/syncs/no-runs-yet', adminKey, { name: 'New audience', syncType: 'audience', operation: 'upsert', source: { id: 'seg-9', type: 'DataWarehouse::Query', name: 'New' }, destination: { id: 'meta-main', name: 'Meta Ads — Main Account', connectionType: 'Meta Ads' } });
    await api.put('/v1/syncs/no-runs-yet/alerts', adminKey, { rules: [{ type: 'run_error' }] });
    await goto('/syncs/no-runs-yet');

    // Assert: not yet judged, in words and not in the OK colour
    await page.getByRole('heading', { name: 'New audience' }).waitFor();
    await expect.poll(() => page.locator('#alert-rules .badge').count()).toBe(1);
    const badge = page.locator('#alert-rules .badge');
    expect(await badge.textContent()).toBe('Not yet judged');
    expect(await badge.getAttribute('data-status')).toBe('pending');
    expect(await badge.getAttribute('class')).not.toContain('badge-success');
    expect(await page.locator('#coverage-health').textContent()).toBe('No finished runs yet.');
  });

  it('finds one record across destinations: pushed to Google, rejected by Meta, and why', async () => {
    // Arrange: an identifier the demo sends to both audiences
    const timeline = await api.get('/v1/identifiers/ana%40example.com/timeline?limit=200', adminKey);
    expect(timeline.body.destinations.length).toBeGreaterThanOrEqual(2);
    await goto('/identifiers');

    // Act
    await page.getByLabel('Primary identifier (exact)').fill('ana@example.com');
    await page.getByRole('button', { name: 'Find' }).click();

    // Assert
    await page.locator('#timeline-destinations tbody tr').first().waitFor();
    expect(page.url()).toContain('#/identifiers/ana%40example.com');
    expect(await page.locator('#timeline-destinations tbody tr').count()).toBe(timeline.body.destinations.length);
    expect(await page.locator('#timeline-outcomes tbody tr').count()).toBe(timeline.body.items.length);
    const google = page.locator('#timeline-destinations tbody tr', { hasText: 'Google Ads — Main Account' });
    expect(await google.locator('.badge[data-status]').first().getAttribute('data-status')).toBe(timeline.body.destinations.find((d: { connectionType: string }) => d.connectionType === 'Google Ads').lastStatus);
    await screenshot(page, '09a-find-a-record');
  });

  it('groups runs per instance with correlation ids', async () => {
    // Act
    await goto('/instances');
    await page.getByRole('link', { name: 'erp-to-shopify' }).click();
    await page.locator('#instance-runs tbody tr').first().waitFor();

    // Assert
    const detail = await api.get('/v1/instances/erp-to-shopify', adminKey);
    expect(await page.locator('#instance-runs tbody tr').count()).toBe(detail.body.items.length);
    expect(await page.locator('#instance-runs').textContent()).toContain(detail.body.items[0].correlationId);
    await screenshot(page, '09-instance');
  });

  it('replays a dead-lettered record after confirming, and the audit log shows who did it', async () => {
    // Arrange
    await goto('/dlq');
    await page.locator('#dlq-table tbody tr').first().waitFor();
    const row = page.locator('#dlq-table tbody tr').first();
    const itemId = (await row.getAttribute('data-item-id'))!;
    // A pending item waits for a decision: its own colour, not Running's blue
    const pending = row.locator('.badge[data-status="pending"]');
    expect(await pending.getAttribute('class')).toContain('badge-waiting');
    expect(await pending.getAttribute('class')).not.toContain('badge-running');

    // Act: cancel first, then confirm
    await row.getByRole('button', { name: /^Replay/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await api.get(`/v1/dlq?state=pending`, adminKey)).body.items.some((i: { itemId: string }) => i.itemId === itemId)).toBe(true);
    await row.getByRole('button', { name: /^Replay/ }).click();
    await screenshot(page, '10-dlq-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Replay' }).click();

    // Assert
    await expect.poll(() => page.locator('.notice').textContent()).toContain('replayed');
    const replays = await api.get('/v1/replays', adminKey);
    expect(replays.body.items.map((e: { item: { itemId: string } }) => e.item.itemId)).toContain(itemId);
    await expect.poll(() => page.locator(`#dlq-table tr[data-item-id="${itemId}"]`).count()).toBe(0);
    await screenshot(page, '11-dlq');

    // The audit log
    await goto('/audit');
    await page.locator('#audit-table tbody tr').first().waitFor();
    const newest = page.locator('#audit-table tbody tr').first();
    expect(await newest.textContent()).toContain('Record replayed');
    // Who: the key's label, its id beneath.
    const who = newest.locator('td').nth(1);
    expect(await who.textContent()).toBe(`org admin key${parseKey(adminKey)!.keyId}`);
    expect(await who.locator('code').textContent()).toBe(parseKey(adminKey)!.keyId);
    const table = await page.locator('#audit-table').textContent();
    expect(table).toContain('Sync created');
    expect(table).not.toMatch(/\b(sync|key|org|dlq|webhook)\.[a-z_]+\b/);
    await screenshot(page, '12-audit');
  });

  it("flags a run that completed short of its source, and the sync's volume anomaly firing on it", async () => {
    // Arrange: the demo's Google Ads sync stopped after 12 of its 51 rows today
    const latest = (await api.get('/v1/runs?syncId=hv-customers-google&limit=1', adminKey)).body.items[0];
    expect(latest).toMatchObject({ status: 'partial_complete', itemsTotal: 12, sourceCount: 51, unaccountedCount: 39 });

    // Act
    await goto('/history');
    const row = page.locator(`#runs-table tbody tr[data-run-id="${latest.runId}"]`);
    await row.waitFor();

    // Assert: flagged beside Items Total, and no run that reconciles is
    expect(await row.locator('.unaccounted').textContent()).toBe('39 unaccounted');
    expect(await row.locator('.unaccounted').getAttribute('title')).toBe('The producer extracted 51 rows and reported 39 fewer records');
    const flagged = await page.locator('#runs-table tbody tr:has(.unaccounted)').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));
    const runs = (await api.get('/v1/runs?limit=100', adminKey)).body.items as Array<{ runId: string; unaccountedCount: number | null }>;
    const shown = new Set(await page.locator('#runs-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id'))));
    expect(flagged).toEqual(runs.filter((r) => shown.has(r.runId) && r.unaccountedCount !== null && r.unaccountedCount !== 0).map((r) => r.runId));
    await screenshot(page, '14-unaccounted');

    // Act: the run's page
    await goto(`/runs/${latest.runId}`);
    await page.getByText('Source count').waitFor();

    // Assert
    expect(await page.locator('dt:text-is("Source count") + dd').textContent()).toBe('51 extracted39 unaccounted');

    // Act: the sync's page
    await goto('/syncs/hv-customers-google');
    await expect.poll(() => page.locator('#alert-rules li').count()).toBe(3);

    // Assert: the volume anomaly and the unaccounted rule fire, described in words, with what was judged
    const volume = page.locator('#alert-rules li', { hasText: 'the median of the last 7 finished runs' });
    expect(await volume.locator('.badge').getAttribute('data-status')).toBe('firing');
    expect(await volume.locator('strong').textContent()).toBe("A run's records below 0.5× or above 3× the median of the last 7 finished runs");
    expect(await volume.textContent()).toContain(`a drop: run ${latest.runId} had 12 records`);
    const unaccounted = page.locator('#alert-rules li', { hasText: 'never reported' });
    expect(await unaccounted.locator('.badge').getAttribute('data-status')).toBe('firing');
    expect(await unaccounted.textContent()).toContain('51 extracted, 12 reported, 39 unaccounted (limit 0)');
    await expectBadgesAgree('the Google Ads sync');
    await screenshot(page, '15-volume-anomaly');

    // Act: the daily signal sync, watched for runs that do not come or run long
    await goto('/syncs/purchases-capi');
    await page.locator('#alert-rules li', { hasText: 'No run started' }).waitFor();

    // Assert: in words, each judged ok on what the sync has (its last run started today, took 5 minutes)
    const rules = await page.locator('#alert-rules li strong').allTextContents();
    expect(rules).toEqual(['No run started for 36 hours (expected every 24 hours)', 'A run takes longer than 30 minutes', 'Newest event older than 26 hours']);
    const states = (await api.get('/v1/syncs/purchases-capi/alerts', adminKey)).body.rules as Array<{ type: string; state: string; detail: string }>;
    expect(states.map((r) => `${r.type}:${r.state}`)).toEqual(['missed_run:ok', 'slow_run:ok', 'freshness:ok']);
    expect(await page.locator('#alert-rules li', { hasText: 'No run started' }).textContent()).toContain(states[0]!.detail);
    expect(states[1]!.detail).toMatch(/took 5\.0 min from start to completion \(limit 30 min\)$/);
  });

  it('replays all matching records of a sync after a dry run counts them, and audits it once', async () => {
    // Arrange: the sync with the most pending dead letters.
    const pending = (await api.get('/v1/dlq?state=pending&limit=1000', adminKey)).body.items as Array<{ syncId: string }>;
    const bySync = new Map<string, number>();
    for (const item of pending) bySync.set(item.syncId, (bySync.get(item.syncId) ?? 0) + 1);
    const [syncId, count] = [...bySync].sort((a, b) => b[1] - a[1])[0]!;
    expect(count).toBeGreaterThan(1);
    const others = pending.length - count;
    await goto('/dlq');
    await page.locator('#dlq-table tbody tr').first().waitFor();
    // Without a sync picked there is no filter: the bulk buttons wait for one.
    expect(await page.getByRole('button', { name: 'Replay all matching' }).isDisabled()).toBe(true);
    await page.locator('#d-sync').selectOption(syncId);
    await expect.poll(() => page.getByRole('button', { name: 'Replay all matching' }).isDisabled()).toBe(false);

    // Act: the dry run's count in the dialog; cancel first, nothing moves
    await page.getByRole('button', { name: 'Replay all matching' }).click();
    const dialog = page.getByRole('dialog');
    const sync = (await api.get(`/v1/syncs/${syncId}`, adminKey)).body;
    await expect.poll(() => dialog.locator('#bulk-matched').textContent()).toBe(`${count} pending records of ${sync.name} → ${sync.destination.name} match.`);
    await screenshot(page, '11b-dlq-bulk-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await api.get(`/v1/dlq?state=pending&syncId=${syncId}`, adminKey)).body.items).toHaveLength(count);
    await page.getByRole('button', { name: 'Replay all matching' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Replay all' }).click();

    // Assert
    await expect.poll(() => page.locator('.notice').textContent()).toContain(`${count} records replayed`);
    expect((await api.get(`/v1/dlq?state=pending&syncId=${syncId}`, adminKey)).body.items).toEqual([]);
    expect((await api.get('/v1/dlq?state=pending&limit=1000', adminKey)).body.items).toHaveLength(others);
    await expect.poll(() => page.locator('#dlq-table tbody tr').count()).toBe(0);
    const audit = (await api.get('/v1/audit', adminKey)).body.items;
    expect(audit[0]).toMatchObject({ action: 'dlq.bulk_replayed', syncId, after: { filter: { syncId }, matched: count, replayed: count, remaining: false } });
    expect(audit[1].action).not.toBe('dlq.bulk_replayed');
    // Nothing left for that sync: the page says so instead of opening an empty dialog.
    await page.getByRole('button', { name: 'Discard all matching' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toContain('No pending record');
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  it('shows who joined, left and changed since the previous run, each list paged', async () => {
    // Arrange: the newest finished run of the Meta Ads audience sync, and its diff as the API answers it
    const runs = (await api.get('/v1/runs?syncId=hv-customers-meta&limit=100', adminKey)).body.items as Array<{ runId: string; status: string; dryRun: boolean }>;
    const run = runs.find((r) => !r.dryRun && (r.status === 'complete' || r.status === 'partial_complete'))!;
    let diff = await api.get(`/v1/runs/${run.runId}/diff`, adminKey);
    for (let i = 0; i < 50 && diff.status === 409; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      diff = await api.get(`/v1/runs/${run.runId}/diff`, adminKey);
    }
    expect(diff.status).toBe(200);
    const kind = (['added', 'removed', 'changed'] as const).find((k) => diff.body[k] > 0) ?? 'added';
    const first = await api.get(`/v1/runs/${run.runId}/diff/records?kind=${kind}&limit=100`, adminKey);

    // Act
    await goto(`/runs/${run.runId}`);
    await page.locator('#run-diff').waitFor();

    // Assert: the counts, the run compared against, and the list behind a count
    const panel = page.locator('section', { has: page.locator('#diff-heading') });
    const numbers = await page.locator('#run-diff dd').allTextContents();
    expect(numbers.map((n) => Number(n.replace(/,/g, '')))).toEqual([diff.body.added, diff.body.removed, diff.body.changed, diff.body.unchanged]);
    if (diff.body.against) expect(await panel.getByRole('link', { name: diff.body.against }).count()).toBe(1);
    const label = { added: 'Joined', removed: 'Left', changed: 'Changed' }[kind];
    await page.locator('#run-diff').getByRole('link', { name: new RegExp(`^${label}:`) }).click();
    await expect.poll(() => page.url()).toContain(`diff=${kind}`);
    await expect.poll(() => page.locator('#diff-identifiers li').count()).toBe(first.body.items.length);
    expect(await page.locator('#diff-identifiers li').allTextContents()).toEqual(first.body.items.map((i: { identifier: string }) => i.identifier));
    expect(await panel.getByRole('button', { name: 'Load more' }).count()).toBe(first.body.nextCursor ? 1 : 0);
    await screenshot(page, '04c-run-diff');
  });

  it('lists the webhooks with their format, and a test-send posts a Slack message and shows in its deliveries', async () => {
    // Arrange: a Slack webhook (a stand-in receiver) and a PagerDuty one
    const receiver = await startReceiver();
    try {
      const slack = await api.post('/v1/webhooks', adminKey, { url: receiver.url, format: 'slack', description: 'ops channel' });
      const pagerDuty = await api.post('/v1/webhooks', adminKey, { url: 'https://events.pagerduty.com/v2/enqueue', format: 'pagerduty', routingKey: 'R0123456789abcdefghijklmnopqrstu' });
      expect([slack.status, pagerDuty.status]).toEqual([201, 201]);

      // Act
      await goto('/webhooks');
      const slackRow = page.locator(`#webhooks-table tr[data-webhook-id="${slack.body.webhookId}"]`);
      await slackRow.waitFor();

      // Assert: each format in words, alert events by default, no credential shown whole
      expect(await slackRow.locator('td').nth(0).textContent()).toBe('Slack messageops channel');
      expect(await slackRow.locator('td').nth(1).textContent()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/…added /);
      expect(await slackRow.locator('td').nth(2).textContent()).toBe('alert.fired, alert.resolved');
      await expect.poll(() => slackRow.locator('td').nth(4).textContent()).toBe('none yet');
      const pdRow = page.locator(`#webhooks-table tr[data-webhook-id="${pagerDuty.body.webhookId}"]`);
      expect(await pdRow.locator('td').nth(0).textContent()).toBe('PagerDuty event');
      expect(await pdRow.locator('td').nth(3).textContent()).toBe('routing key R012…');
      expect(await page.locator('#webhooks-table').textContent()).not.toContain('R0123456789abcdefghijklmnopqrstu');

      // Act: a test-send from the console
      await slackRow.getByRole('button', { name: /^Send a test/ }).click();

      // Assert: the notice, the message the receiver got, and the delivery log beside it
      await expect.poll(() => page.locator('.notice').textContent()).toMatch(/^Test sent as a Slack message: delivered \(HTTP 200 in \d+ ms\)\.$/);
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]!.json).toMatchObject({ text: 'A test from SyncTrail: if you can read this, the webhook works.', blocks: expect.any(Array) });
      await expect.poll(() => slackRow.locator('.deliveries li').count()).toBe(1);
      expect(await slackRow.locator('.deliveries li .badge').getAttribute('data-status')).toBe('delivered');
      expect(await slackRow.locator('.deliveries li').textContent()).toMatch(/webhook\.test .* · 1 attempt · HTTP 200$/);
      await screenshot(page, '16-webhooks');
    } finally {
      await receiver.close();
    }
  });

  it('labels every control and names every button on every page, and signs out by forgetting the key', async () => {
    // Arrange
    const run = (await api.get('/v1/runs?syncId=hv-customers-meta', adminKey)).body.items[1].runId;
    const inFlight = (await api.get('/v1/runs?syncId=items-to-shopify&limit=1', adminKey)).body.items[0].runId;
    const pages = ['/history', '/destinations', `/runs/${run}`, `/runs/${inFlight}?status=all`, '/syncs/hv-customers-meta', '/logs', '/logs?status=in_progress', '/instances', '/instances/erp-to-shopify', '/identifiers/ana%40example.com', '/dlq', '/audit', '/webhooks', '/counting', '/nope'];
    let badges = 0;

    for (const hash of pages) {
      // Act
      await goto(hash);
      await page.locator('.state-loading').first().waitFor({ state: 'detached' });

      // Assert (strings: these run in the page, where the DOM is)
      const unlabeled = await page.evaluate(`[...document.querySelectorAll('input, select, textarea')].filter((el) => !el.labels?.length && !el.getAttribute('aria-label')).map((el) => el.outerHTML)`);
      expect(unlabeled, hash).toEqual([]);
      const unnamed = await page.evaluate(`[...document.querySelectorAll('button, a[href]')].filter((el) => !(el.getAttribute('aria-label') || el.textContent).trim()).map((el) => el.outerHTML)`);
      expect(unnamed, hash).toEqual([]);
      expect(await page.locator('h1').count(), hash).toBe(1);
      // Every badge reads its own status's word
      badges += await expectBadgesAgree(hash);
    }
    expect(badges).toBeGreaterThan(300);
    await goto('/instances');
    await screenshot(page, '13-instances');

    // Act
    await page.getByRole('button', { name: 'Sign out' }).click();

    // Assert
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('synctrail.key')")).toBeNull();
    expect(unexpected()).toEqual([]);
  });
});
