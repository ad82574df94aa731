import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { startReceiver, type Received } from '../support/receiver.ts';

const ROUTING_KEY = 'R0123456789abcdefghijklmnopqrstu';

const SYNC = {
  name: 'High-value customers',
  syncType: 'audience',
  operation: 'upsert',
  source: { id: 'seg-42', type: 'DataWarehouse::FilterSegmentSource', name: 'High value' },
  destination: { id: 'meta', name: 'Meta Ads — Main', connectionType: 'Meta Ads' },
};

/** What Slack or PagerDuty was sent: the receiver parses every body as JSON. */
const body = (received: Received) => received.json as unknown as Record<string, any>;

describe('webhook formats: Slack and PagerDuty', () => {
  let stack: TestStack;
  let api: Api;
  let org: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let runs = 0;

  /** A run of one record: `error` fails it whole (the run_error rule fires), otherwise it completes. */
  async function run(options: { error?: boolean } = {}) {
    const runId = `fmt-${(runs += 1)}`;
    await api.post('/v1/syncs/hv-meta/runs', org.key, { runId });
    await api.post(`/v1/runs/${runId}/batches`, org.key, { batchType: 'records_updated', batchNumber: 0, startedAt: '2026-11-23T06:00:00Z', endedAt: '2026-11-23T06:00:01Z', records: [{ identifier: 'a', payload: {}, status: 'succeeded' }] });
    const done = await api.post(`/v1/runs/${runId}/complete`, org.key, options.error ? { status: 'error', statusMessage: '503 Service Unavailable' } : {});
    expect(done.status).toBe(200);
    await stack.idle();
    return runId;
  }

  const webhooks = async () => (await api.get('/v1/webhooks', org.adminKey)).body.items as Array<Record<string, unknown>>;

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.url);
    org = await createOrgWithKeys(api, 'acme');
    await api.put('/v1/syncs/hv-meta', org.key, SYNC);
  });
  afterEach(async () => {
    await stack.idle();
    await api.put('/v1/syncs/hv-meta/alerts', org.adminKey, { rules: [] });
    await stack.idle();
    for (const hook of await webhooks()) await api.del(`/v1/webhooks/${String(hook.webhookId)}`, org.adminKey);
    await receiver?.close();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('refuse a pagerduty webhook without a routingKey, a routingKey on other formats, an unknown format and run starts for pagerduty, writing nothing', async () => {
    // Arrange
    receiver = await startReceiver();
    const url = receiver.url;
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ url, format: 'pagerduty' }, 'routingKey'],
      [{ url, format: 'slack', routingKey: ROUTING_KEY }, 'routingKey'],
      [{ url, routingKey: ROUTING_KEY }, 'routingKey'],
      [{ url, format: 'synctrail', routingKey: ROUTING_KEY }, 'routingKey'],
      [{ url, format: 'teams' }, 'format'],
      [{ url, format: 'pagerduty', routingKey: 'short' }, 'routingKey'],
      [{ url, format: 'pagerduty', routingKey: `${ROUTING_KEY.slice(1)}!` }, 'routingKey'],
      [{ url, format: 'pagerduty', routingKey: ROUTING_KEY, events: ['alert.fired', 'run.started'] }, 'events'],
    ];
    const auditBefore = (await api.get('/v1/audit', org.key)).body.items.length;

    // Act
    const answers = [];
    for (const [request] of bad) answers.push(await api.post('/v1/webhooks', org.adminKey, request));

    // Assert
    answers.forEach((answer, i) => {
      const [request, field] = bad[i]!;
      expect(answer.status, JSON.stringify(request)).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
      expect(JSON.stringify(answer.body.error), JSON.stringify(request)).toContain(field);
    });
    expect(answers[0]!.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.stringContaining('required for the pagerduty format') })]));
    expect(answers.at(-1)!.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.stringContaining('not run.started') })]));
    expect(await webhooks()).toEqual([]);
    expect((await api.get('/v1/audit', org.key)).body.items).toHaveLength(auditBefore);
    expect(receiver.received).toEqual([]);
  });

  it('slack: alert events only by default, no secret; a Slack message for fire and resolve that names the sync and links to it in the console; a Slack test message', async () => {
    // Arrange
    receiver = await startReceiver();
    const created = await api.post('/v1/webhooks', org.adminKey, { url: receiver.url, format: 'slack', description: '#data-alerts' });
    await api.put('/v1/syncs/hv-meta/alerts', org.adminKey, { rules: [{ type: 'run_error' }] });

    // Act
    const failed = await run({ error: true });
    const recovered = await run();
    const test = await api.post(`/v1/webhooks/${created.body.webhookId}/test`, org.adminKey);

    // Assert
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ format: 'slack', events: ['alert.fired', 'alert.resolved'], secretHint: null, routingKeyHint: null });
    expect(created.body).not.toHaveProperty('secret');
    expect(await webhooks()).toEqual([expect.objectContaining({ webhookId: created.body.webhookId, format: 'slack', secretHint: null })]);
    // The audit log (read keys see it) keeps a Slack address by its origin only: the URL whole posts to the channel
    const audited = (await api.get('/v1/audit', org.key)).body.items.find((e: { action: string; target: { id: string } }) => e.action === 'webhook.created' && e.target.id === created.body.webhookId);
    expect(audited.after).toEqual({ url: `${new URL(receiver.url).origin}/…`, format: 'slack', events: ['alert.fired', 'alert.resolved'] });
    expect(JSON.stringify((await api.get('/v1/audit', org.key)).body)).not.toContain(receiver.url);
    // Runs started and completed, but only the alert's two events reached Slack, then the test.
    expect(receiver.received.map((r) => r.headers['synctrail-event-type'])).toEqual(['alert.fired', 'alert.resolved', 'webhook.test']);
    const [fired, resolved, tested] = receiver.received.map(body);
    expect(Object.keys(fired!).sort()).toEqual(['blocks', 'text']);
    expect(fired!.text).toBe(`:rotating_light: Alert firing: run_error on High-value customers → Meta Ads — Main — run ${failed} failed: 503 Service Unavailable`);
    expect(fired!.blocks[0].fields.map((f: { text: string }) => f.text)).toEqual([
      '*Sync*\nHigh-value customers (`hv-meta`)',
      '*Destination*\nMeta Ads — Main (Meta Ads)',
      expect.stringMatching(/^\*State\*\nfiring since \d{4}-/),
      '*Rule*\nrun_error',
      `*Records*\n1 total · 0 processed · 1 failed · coverage 0.0% (run \`${failed}\`, error)`,
    ]);
    expect(fired!.blocks[1].elements[0].text).toContain(`<${stack.url}/#/syncs/hv-meta|Open in the SyncTrail console>`);
    expect(resolved!.text).toBe(`:white_check_mark: Alert resolved: run_error on High-value customers → Meta Ads — Main — run ${recovered} ended complete`);
    expect(tested!.text).toBe('A test from SyncTrail: if you can read this, the webhook works.');
    expect(test.body).toMatchObject({ delivered: true, eventType: 'webhook.test' });
    // Slack checks no signature: none is sent.
    expect(receiver.received.every((r) => r.headers['synctrail-signature'] === undefined)).toBe(true);
    const log = (await api.get(`/v1/webhooks/${created.body.webhookId}/deliveries`, org.adminKey)).body.items;
    expect(log.map((d: { eventType: string; state: string }) => `${d.eventType}:${d.state}`).sort()).toEqual(['alert.fired:delivered', 'alert.resolved:delivered', 'webhook.test:delivered']);
  });

  it('slack: run events too when `events` asks for them', async () => {
    receiver = await startReceiver();
    await api.post('/v1/webhooks', org.adminKey, { url: receiver.url, format: 'slack', events: ['run.completed'] });
    const runId = await run();
    expect(receiver.received.map(body).map((b) => b.text)).toEqual([`Run complete: High-value customers → Meta Ads — Main`]);
    expect(body(receiver.received[0]!).blocks[1].elements[0].text).toContain(`<${stack.url}/#/runs/${runId}|`);
  });

  it('pagerduty: run.completed when `events` asks for it: an error run triggers, the next finished run resolves the same key', async () => {
    // Arrange
    receiver = await startReceiver();
    const created = await api.post('/v1/webhooks', org.adminKey, { url: receiver.url, format: 'pagerduty', routingKey: ROUTING_KEY, events: ['run.completed'] });
    expect(created.status).toBe(201);

    // Act
    const failed = await run({ error: true });
    await run({ error: true });
    const good = await run();

    // Assert: errors in a row fold into one incident, which the good run closes
    const events = receiver.received.map(body);
    expect(events.map((e) => e.event_action)).toEqual(['trigger', 'trigger', 'resolve']);
    expect(new Set(events.map((e) => e.dedup_key))).toEqual(new Set(['synctrail/acme/hv-meta/run']));
    expect(events[0]).toMatchObject({ routing_key: ROUTING_KEY, payload: { severity: 'error', custom_details: { runId: failed, runStatus: 'error' } } });
    expect(events[2]).toMatchObject({ payload: { severity: 'info', custom_details: { runId: good, runStatus: 'complete' } } });
  });

  it('pagerduty: trigger on fire and resolve the same dedup_key, retried like any delivery; a re-fire is a new incident; the routing key never shown whole', async () => {
    // Arrange: PagerDuty is briefly unavailable for the first trigger
    receiver = await startReceiver([503, 429]);
    const created = await api.post('/v1/webhooks', org.adminKey, { url: receiver.url, format: 'pagerduty', routingKey: ROUTING_KEY });
    await api.put('/v1/syncs/hv-meta/alerts', org.adminKey, { rules: [{ type: 'run_error' }] });

    // Act
    const failed = await run({ error: true });
    await run();
    await run({ error: true });
    // Removing a firing rule resolves it too: the incident it opened closes.
    await api.put('/v1/syncs/hv-meta/alerts', org.adminKey, { rules: [] });
    await stack.idle();

    // Assert
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ format: 'pagerduty', events: ['alert.fired', 'alert.resolved'], secretHint: null, routingKeyHint: 'R012…' });
    expect(created.body).not.toHaveProperty('secret');
    expect(JSON.stringify(created.body)).not.toContain(ROUTING_KEY);
    expect(JSON.stringify(await webhooks())).not.toContain(ROUTING_KEY);
    expect(JSON.stringify((await api.get('/v1/audit', org.key)).body)).not.toContain(ROUTING_KEY);

    const sent = receiver.received.map(body);
    expect(sent.map((b) => b.event_action)).toEqual(['trigger', 'trigger', 'trigger', 'resolve', 'trigger', 'resolve']);
    expect(receiver.received.slice(0, 3).map((r) => r.headers['synctrail-attempt'])).toEqual(['1', '2', '3']);
    const [first, , triggered, resolved, refired, removed] = sent;
    expect(first).toEqual(triggered);
    expect(triggered).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: expect.stringMatching(/^synctrail\/acme\/hv-meta\/run_error\/\d{4}-\d\d-\d\dT[\d:.]+Z$/),
      payload: {
        summary: `Alert firing: run_error on High-value customers → Meta Ads — Main: run ${failed} failed: 503 Service Unavailable`,
        source: 'Meta Ads — Main (Meta Ads)',
        severity: 'error',
        timestamp: expect.any(String),
        component: 'High-value customers',
        group: 'Meta Ads',
        class: 'run_error',
        custom_details: expect.objectContaining({ orgId: 'acme', syncId: 'hv-meta', state: 'firing', runId: failed, runStatus: 'error' }),
      },
      client: 'SyncTrail',
      client_url: `${stack.url}/#/syncs/hv-meta`,
      links: [{ href: `${stack.url}/#/syncs/hv-meta`, text: 'Open in the SyncTrail console' }],
    });
    expect(resolved).toMatchObject({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: triggered!.dedup_key, payload: { severity: 'error', summary: expect.stringMatching(/^Alert resolved: run_error /) } });
    expect(refired!.dedup_key).not.toBe(triggered!.dedup_key);
    expect(removed).toMatchObject({ event_action: 'resolve', dedup_key: refired!.dedup_key, payload: { custom_details: expect.objectContaining({ detail: 'rule removed' }) } });
    expect(receiver.received.every((r) => r.headers['synctrail-signature'] === undefined)).toBe(true);

    // The delivery log: the first trigger took three attempts.
    const log = (await api.get(`/v1/webhooks/${created.body.webhookId}/deliveries`, org.adminKey)).body.items as Array<{ eventType: string; state: string; attempts: Array<{ status: number }> }>;
    expect(log).toHaveLength(4);
    expect(log.every((d) => d.state === 'delivered')).toBe(true);
    expect(log.map((d) => d.attempts.map((a) => a.status)).sort((a, b) => b.length - a.length)[0]).toEqual([503, 429, 200]);
  });

  it('pagerduty: a test-send triggers an info alert of its own key, and its queued retries send the same PagerDuty event', async () => {
    // Arrange
    receiver = await startReceiver([503]);
    const hook = (await api.post('/v1/webhooks', org.adminKey, { url: receiver.url, format: 'pagerduty', routingKey: ROUTING_KEY })).body;

    // Act
    const answer = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    await stack.idle();

    // Assert
    expect(answer.body).toMatchObject({ delivered: false, retriesQueued: true, attempt: { status: 503 } });
    const expected = {
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: `synctrail/test/acme/${hook.webhookId}`,
      payload: { summary: 'A test from SyncTrail: if you can read this, the webhook works.', source: 'SyncTrail', severity: 'info', timestamp: expect.any(String), custom_details: { orgId: 'acme', webhookId: hook.webhookId } },
      client: 'SyncTrail',
      client_url: `${stack.url}/`,
      links: [{ href: `${stack.url}/`, text: 'Open in the SyncTrail console' }],
    };
    expect(receiver.received.map(body)).toEqual([expected, expected]);
    const log = (await api.get(`/v1/webhooks/${hook.webhookId}/deliveries`, org.adminKey)).body.items;
    expect(log).toEqual([expect.objectContaining({ deliveryId: answer.body.deliveryId, state: 'delivered', attempts: [expect.objectContaining({ status: 503 }), expect.objectContaining({ status: 200 })] })]);
  });

  it('synctrail: the default format keeps every event and its signing secret', async () => {
    receiver = await startReceiver();
    const created = await api.post('/v1/webhooks', org.adminKey, { url: receiver.url });
    expect(created.body).toMatchObject({ format: 'synctrail', events: ['run.started', 'run.completed', 'alert.fired', 'alert.resolved'], routingKeyHint: null, secret: expect.stringMatching(/^whsec_/), secretHint: expect.stringMatching(/^whsec_.{4}…$/) });
    await run();
    expect(receiver.received.map((r) => r.json.type)).toEqual(['run.started', 'run.completed']);
    expect(receiver.received.every((r) => r.headers['synctrail-signature']?.startsWith('t='))).toBe(true);
  });
});
