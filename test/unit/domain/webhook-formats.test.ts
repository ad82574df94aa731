import { describe, expect, it } from 'vitest';
import type { SyncTrailEvent } from '#domain/events.ts';
import type { Webhook } from '#domain/webhook-entity.ts';
import {
  consoleLink,
  PAGERDUTY_DEDUP_KEY_MAX,
  PAGERDUTY_SUMMARY_MAX,
  pagerDutyDedupKey,
  pagerDutyEvent,
  SLACK_FIELD_TEXT_MAX,
  SLACK_SECTION_TEXT_MAX,
  SLACK_TEXT_MAX,
  slackMessage,
  truncate,
  webhookBody,
} from '#domain/webhook-formats.ts';

const CONSOLE = 'https://sync.example.com/';
const ROUTING_KEY = 'R0123456789abcdefghijklmnopqrstu';
const FIRED_AT = '2026-11-23T06:00:00.000Z';
const RESOLVED_AT = '2026-11-23T07:30:00.000Z';

const run = (overrides: Record<string, unknown> = {}) => ({
  runId: 'run-7',
  syncId: 'hv-meta',
  entityName: 'High-value customers',
  destinationName: 'Meta Ads — Main',
  connectionType: 'Meta Ads',
  status: 'partial_complete',
  statusMessage: null,
  itemsTotal: 100,
  itemsProcessed: 88,
  itemsFailed: 12,
  coverageRate: 0.88,
  ...overrides,
});

/** An alert event as `alerts.ts` publishes it. */
function alertEvent(type: 'alert.fired' | 'alert.resolved', overrides: { detail?: string; syncName?: string; withRun?: boolean } = {}): SyncTrailEvent {
  const firing = type === 'alert.fired';
  return {
    id: `evt_${type}`,
    type,
    orgId: 'acme',
    createdAt: firing ? FIRED_AT : RESOLVED_AT,
    data: {
      alert: {
        syncId: 'hv-meta',
        syncName: overrides.syncName ?? 'High-value customers',
        destinationName: 'Meta Ads — Main',
        connectionType: 'Meta Ads',
        rule: { type: 'failed_percent', above: 5 },
        state: firing ? 'firing' : 'resolved',
        detail: overrides.detail ?? (firing ? 'run run-7 failed 12 of 100 records (12.0%; limit 5%)' : 'run run-8 failed 0 of 100 records (0.0%; limit 5%)'),
        since: firing ? FIRED_AT : RESOLVED_AT,
        ...(firing ? {} : { firingSince: FIRED_AT }),
      },
      ...(overrides.withRun === false ? {} : { run: run(firing ? {} : { runId: 'run-8', status: 'complete', itemsProcessed: 100, itemsFailed: 0, coverageRate: 1 }) }),
    },
  };
}

const testEvent: SyncTrailEvent = { id: 'evt_test', type: 'webhook.test', orgId: 'acme', createdAt: FIRED_AT, data: { webhookId: 'whk_0000000000000000000000000a', message: 'A test from SyncTrail: if you can read this, the webhook works.' } };

describe('slackMessage', () => {
  it('names the sync, destination, state, rule and counts of a firing alert, and links to the sync in the console', () => {
    // Act
    const message = slackMessage(alertEvent('alert.fired'), CONSOLE);

    // Assert
    expect(message).toEqual({
      text: ':rotating_light: Alert firing: failed_percent on High-value customers → Meta Ads — Main — run run-7 failed 12 of 100 records (12.0%; limit 5%)',
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*:rotating_light: Alert firing: failed_percent on High-value customers → Meta Ads — Main*\nrun run-7 failed 12 of 100 records (12.0%; limit 5%)' },
          fields: [
            { type: 'mrkdwn', text: '*Sync*\nHigh-value customers (`hv-meta`)' },
            { type: 'mrkdwn', text: '*Destination*\nMeta Ads — Main (Meta Ads)' },
            { type: 'mrkdwn', text: `*State*\nfiring since ${FIRED_AT}` },
            { type: 'mrkdwn', text: '*Rule*\nfailed_percent (above 5)' },
            { type: 'mrkdwn', text: '*Records*\n100 total · 88 processed · 12 failed · coverage 88.0% (run `run-7`, partial_complete)' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `SyncTrail · org \`acme\` · ${FIRED_AT} · <https://sync.example.com/#/syncs/hv-meta|Open in the SyncTrail console>` }] },
      ],
    });
  });

  it('says a resolved alert is resolved, and leaves the link out when the console is not known', () => {
    const message = slackMessage(alertEvent('alert.resolved', { withRun: false }));
    expect(message.text).toBe(':white_check_mark: Alert resolved: failed_percent on High-value customers → Meta Ads — Main — run run-8 failed 0 of 100 records (0.0%; limit 5%)');
    expect(message.blocks[0]).toMatchObject({ fields: [expect.anything(), expect.anything(), { text: `*State*\nresolved since ${RESOLVED_AT}` }, expect.anything()] });
    expect(message.blocks[1]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: `SyncTrail · org \`acme\` · ${RESOLVED_AT}` }] });
  });

  it('escapes what Slack would read as markup (&, <, >) in names and details', () => {
    const message = slackMessage(alertEvent('alert.fired', { syncName: 'A&B <vip>', detail: '<!channel> broke' }));
    expect(message.blocks[0]).toMatchObject({ text: { text: '*:rotating_light: Alert firing: failed_percent on A&amp;B &lt;vip&gt; → Meta Ads — Main*\n&lt;!channel&gt; broke' } });
    expect(JSON.stringify(message)).not.toContain('<!channel>');
  });

  it("keeps within Slack's limits: 40,000 characters of text, 3,000 a section, 2,000 a field", () => {
    // Arrange
    const long = 'x'.repeat(50_000);

    // Act
    const message = slackMessage(alertEvent('alert.fired', { detail: long, syncName: 'n'.repeat(5_000) }), CONSOLE);

    // Assert
    expect(message.text).toHaveLength(SLACK_TEXT_MAX);
    expect(message.text.endsWith('…')).toBe(true);
    const section = message.blocks[0]!;
    if (section.type !== 'section') throw new Error('first block is a section');
    expect(section.text.text).toHaveLength(SLACK_SECTION_TEXT_MAX);
    expect(section.fields![0]!.text).toHaveLength(SLACK_FIELD_TEXT_MAX);
    expect(Math.max(...section.fields!.map((f) => f.text.length))).toBeLessThanOrEqual(SLACK_FIELD_TEXT_MAX);
  });

  it('tells of a completed run with its status, counts and message, linking to the run', () => {
    const event: SyncTrailEvent = { id: 'evt_run', type: 'run.completed', orgId: 'acme', createdAt: FIRED_AT, data: { run: run({ status: 'error', statusMessage: 'token expired' }) } };
    expect(slackMessage(event, CONSOLE)).toEqual({
      text: 'Run error: High-value customers → Meta Ads — Main — token expired',
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*Run error: High-value customers → Meta Ads — Main*\ntoken expired' },
          fields: [
            { type: 'mrkdwn', text: '*Sync*\nHigh-value customers (`hv-meta`)' },
            { type: 'mrkdwn', text: '*Destination*\nMeta Ads — Main (Meta Ads)' },
            { type: 'mrkdwn', text: '*Status*\nerror (run `run-7`)' },
            { type: 'mrkdwn', text: '*Records*\n100 total · 88 processed · 12 failed · coverage 88.0%' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `SyncTrail · org \`acme\` · ${FIRED_AT} · <https://sync.example.com/#/runs/run-7|Open in the SyncTrail console>` }] },
      ],
    });
  });

  it('sends the test message as a test-send', () => {
    expect(slackMessage(testEvent)).toEqual({
      text: 'A test from SyncTrail: if you can read this, the webhook works.',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '*A test from SyncTrail: if you can read this, the webhook works.*' }, fields: [{ type: 'mrkdwn', text: '*Webhook*\n`whk_0000000000000000000000000a`' }] },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `SyncTrail · org \`acme\` · ${FIRED_AT}` }] },
      ],
    });
  });
});

describe('pagerDutyEvent', () => {
  it('triggers on alert.fired with summary, severity, source, routing key and a dedup key of org, sync, rule and firing', () => {
    expect(pagerDutyEvent(alertEvent('alert.fired'), ROUTING_KEY, CONSOLE)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: `synctrail/acme/hv-meta/failed_percent/${FIRED_AT}`,
      payload: {
        summary: 'Alert firing: failed_percent on High-value customers → Meta Ads — Main: run run-7 failed 12 of 100 records (12.0%; limit 5%)',
        source: 'Meta Ads — Main (Meta Ads)',
        severity: 'warning',
        timestamp: FIRED_AT,
        component: 'High-value customers',
        group: 'Meta Ads',
        class: 'failed_percent',
        custom_details: {
          orgId: 'acme',
          syncId: 'hv-meta',
          syncName: 'High-value customers',
          destinationName: 'Meta Ads — Main',
          rule: 'failed_percent (above 5)',
          state: 'firing',
          since: FIRED_AT,
          firingSince: FIRED_AT,
          detail: 'run run-7 failed 12 of 100 records (12.0%; limit 5%)',
          runId: 'run-7',
          runStatus: 'partial_complete',
          records: '100 total · 88 processed · 12 failed · coverage 88.0%',
        },
      },
      client: 'SyncTrail',
      client_url: 'https://sync.example.com/#/syncs/hv-meta',
      links: [{ href: 'https://sync.example.com/#/syncs/hv-meta', text: 'Open in the SyncTrail console' }],
    });
  });

  it('resolves the same dedup key on alert.resolved, with no console link when none is known', () => {
    // Act
    const fired = pagerDutyEvent(alertEvent('alert.fired'), ROUTING_KEY);
    const resolved = pagerDutyEvent(alertEvent('alert.resolved'), ROUTING_KEY);

    // Assert
    expect(resolved).toMatchObject({ routing_key: ROUTING_KEY, event_action: 'resolve', payload: { summary: expect.stringMatching(/^Alert resolved: failed_percent on /), severity: 'warning' } });
    expect(resolved.dedup_key).toBe(fired.dedup_key);
    expect(resolved).not.toHaveProperty('client_url');
    expect(resolved).not.toHaveProperty('links');
  });

  it('makes a later firing of the same rule another incident: its key differs', () => {
    const later = alertEvent('alert.fired');
    (later.data.alert as { since: string }).since = '2026-11-24T06:00:00.000Z';
    expect(pagerDutyEvent(later, ROUTING_KEY).dedup_key).not.toBe(pagerDutyEvent(alertEvent('alert.fired'), ROUTING_KEY).dedup_key);
  });

  it('gives a failed run (run_error) the error severity', () => {
    const event = alertEvent('alert.fired');
    (event.data.alert as { rule: unknown }).rule = { type: 'run_error' };
    expect(pagerDutyEvent(event, ROUTING_KEY).payload).toMatchObject({ severity: 'error', class: 'run_error' });
  });

  it("keeps within PagerDuty's limits: a 1,024-character summary, a 255-character dedup key (hashed beyond)", () => {
    // Arrange
    const longId = 'a'.repeat(128);

    // Act
    const summary = pagerDutyEvent(alertEvent('alert.fired', { detail: 'y'.repeat(5_000) }), ROUTING_KEY).payload.summary;
    const key = pagerDutyDedupKey(longId, longId, 'failed_percent', FIRED_AT);

    // Assert
    expect(summary).toHaveLength(PAGERDUTY_SUMMARY_MAX);
    expect(key).toMatch(/^synctrail\/sha256\/[0-9a-f]{64}$/);
    expect(key.length).toBeLessThanOrEqual(PAGERDUTY_DEDUP_KEY_MAX);
    expect(pagerDutyDedupKey(longId, longId, 'failed_percent', FIRED_AT)).toBe(key);
    expect(pagerDutyDedupKey(longId, `${longId.slice(1)}b`, 'failed_percent', FIRED_AT)).not.toBe(key);
  });

  it('triggers on an error run and resolves on the next finished one, under one key per sync', () => {
    // Act
    const failed = pagerDutyEvent({ ...testEvent, type: 'run.completed', data: { run: run({ status: 'error', statusMessage: '401 token expired' }) } }, ROUTING_KEY);
    const good = pagerDutyEvent({ ...testEvent, type: 'run.completed', data: { run: run({ status: 'partial_complete', runId: 'run-2' }) } }, ROUTING_KEY);

    // Assert
    expect(failed).toMatchObject({ event_action: 'trigger', dedup_key: `synctrail/acme/${run().syncId}/run`, payload: { severity: 'error', class: 'run', summary: expect.stringMatching(/^Run error: .*: 401 token expired$/) } });
    expect(good).toMatchObject({ event_action: 'resolve', dedup_key: failed.dedup_key, payload: { severity: 'info' } });
  });

  it('triggers an info alert of its own key for a test-send, and refuses run starts', () => {
    expect(pagerDutyEvent(testEvent, ROUTING_KEY)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'synctrail/test/acme/whk_0000000000000000000000000a',
      payload: { summary: 'A test from SyncTrail: if you can read this, the webhook works.', source: 'SyncTrail', severity: 'info', timestamp: FIRED_AT, custom_details: { orgId: 'acme', webhookId: 'whk_0000000000000000000000000a' } },
      client: 'SyncTrail',
    });
    expect(() => pagerDutyEvent({ ...testEvent, type: 'run.started', data: { run: run() } }, ROUTING_KEY)).toThrow('a pagerduty webhook takes alert events and run.completed, not run.started');
  });
});

describe('webhookBody', () => {
  const fields = { orgId: 'acme', webhookId: 'whk_0000000000000000000000000a', url: 'https://hooks.example.com/x', events: [], createdAt: FIRED_AT, createdBy: 'root' } as const;
  const event = alertEvent('alert.fired');

  it('is the event itself for synctrail webhooks, stored with or without a format', () => {
    const signed: Webhook = { ...fields, events: [], secret: 'whsec_x' };
    expect(JSON.parse(webhookBody(signed, event, CONSOLE))).toEqual(event);
    expect(JSON.parse(webhookBody({ ...signed, format: 'synctrail' }, event, CONSOLE))).toEqual(event);
  });

  it('is the Slack message, or the PagerDuty event with the webhook routing key', () => {
    expect(JSON.parse(webhookBody({ ...fields, events: [], format: 'slack' }, event, CONSOLE))).toEqual(slackMessage(event, CONSOLE));
    expect(JSON.parse(webhookBody({ ...fields, events: [], format: 'pagerduty', routingKey: ROUTING_KEY }, event, CONSOLE))).toEqual(pagerDutyEvent(event, ROUTING_KEY, CONSOLE));
  });
});

describe('consoleLink and truncate', () => {
  it('link alerts to the sync and run events to the run, ids encoded, and nothing without a console', () => {
    expect(consoleLink('https://c.example.com//', alertEvent('alert.fired'))).toBe('https://c.example.com/#/syncs/hv-meta');
    expect(consoleLink('https://c.example.com', { ...testEvent, type: 'run.started', data: { run: run({ runId: 'a b' }) } })).toBe('https://c.example.com/#/runs/a%20b');
    expect(consoleLink(undefined, alertEvent('alert.fired'))).toBeUndefined();
  });

  it('cut only what is longer than the limit, ending in an ellipsis', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
  });
});
