/**
 * What a webhook of each format posts for an event: SyncTrail's own event (signed by
 * `webhooks.ts`), a Slack incoming-webhook message, or a PagerDuty Events API v2 event.
 * Plain functions of the event: the same event always gives the same body.
 */
import { createHash } from 'node:crypto';
import type { EventType, SyncTrailEvent } from './events.ts';
import { TEST_MESSAGE, type Webhook } from './webhook-entity.ts';

/** The events Slack and PagerDuty webhooks get unless `events` says otherwise. */
export const ALERT_EVENT_TYPES = ['alert.fired', 'alert.resolved'] as const satisfies readonly EventType[];

/** Slack's limits: a message's `text`, a section block's `text`, one of a section's `fields`. */
export const SLACK_TEXT_MAX = 40_000;
export const SLACK_SECTION_TEXT_MAX = 3_000;
export const SLACK_FIELD_TEXT_MAX = 2_000;
/** PagerDuty's limits: `payload.summary` and `dedup_key`. */
export const PAGERDUTY_SUMMARY_MAX = 1_024;
export const PAGERDUTY_DEDUP_KEY_MAX = 255;

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** A rule type's PagerDuty severity: a failed run is an error, every other rule a warning. */
const SEVERITY: Record<string, PagerDutySeverity> = { run_error: 'error' };
const severityOf = (ruleType: string): PagerDutySeverity => SEVERITY[ruleType] ?? 'warning';

/** Cut to at most `max` characters, saying so with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack's mrkdwn reads `&`, `<` and `>` as markup: what SyncTrail quotes is escaped. */
const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** What alert events carry (`alerts.ts`). */
interface AlertData {
  syncId: string;
  syncName: string;
  destinationName: string;
  connectionType: string;
  rule: { type: string } & Record<string, unknown>;
  state: 'firing' | 'resolved';
  detail: string;
  since: string;
  /** On `alert.resolved`: when the firing it ends began (the `since` of its `alert.fired`). */
  firingSince?: string;
}

/** The parts of a run (`presentRun`) the messages name. */
interface RunData {
  runId: string;
  syncId: string;
  entityName: string;
  destinationName: string;
  connectionType: string;
  status: string;
  statusMessage: string | null;
  itemsTotal: number;
  itemsProcessed: number;
  itemsFailed: number;
  coverageRate: number | null;
}

const alertOf = (event: SyncTrailEvent) => event.data.alert as AlertData;
const runOf = (event: SyncTrailEvent) => event.data.run as RunData | undefined;

/** The rule in words: `failed_percent (above 5)`. */
function ruleText(rule: AlertData['rule']): string {
  const { type, ...limits } = rule;
  const words = Object.entries(limits).map(([name, value]) => `${name} ${String(value)}`);
  return words.length ? `${type} (${words.join(', ')})` : type;
}

const counts = (run: RunData) => `${run.itemsTotal} total · ${run.itemsProcessed} processed · ${run.itemsFailed} failed${run.coverageRate === null ? '' : ` · coverage ${(run.coverageRate * 100).toFixed(1)}%`}`;

/**
 * Where the console shows what an event is about: the sync of an alert, the run of a run
 * event, the console itself for a test. None when the deployment does not know its console.
 */
export function consoleLink(consoleUrl: string | undefined, event: SyncTrailEvent): string | undefined {
  if (!consoleUrl) return undefined;
  const base = consoleUrl.replace(/\/+$/, '');
  if (event.type === 'alert.fired' || event.type === 'alert.resolved') return `${base}/#/syncs/${encodeURIComponent(alertOf(event).syncId)}`;
  if (event.type === 'run.started' || event.type === 'run.completed') {
    const run = runOf(event);
    return run ? `${base}/#/runs/${encodeURIComponent(run.runId)}` : `${base}/`;
  }
  return `${base}/`;
}

interface SlackText {
  type: 'mrkdwn';
  text: string;
}
export type SlackBlock = { type: 'section'; text: SlackText; fields?: SlackText[] } | { type: 'context'; elements: SlackText[] };
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const md = (text: string, max: number): SlackText => ({ type: 'mrkdwn', text: truncate(text, max) });
const field = (name: string, value: string): SlackText => md(`*${name}*\n${value}`, SLACK_FIELD_TEXT_MAX);

/** The headline and fields of a message, before it is cut to Slack's sizes. */
interface SlackParts {
  headline: string;
  detail?: string;
  fields: SlackText[];
}

function slackParts(event: SyncTrailEvent): SlackParts {
  switch (event.type) {
    case 'alert.fired':
    case 'alert.resolved': {
      const alert = alertOf(event);
      const run = runOf(event);
      const firing = event.type === 'alert.fired';
      return {
        headline: `${firing ? ':rotating_light: Alert firing' : ':white_check_mark: Alert resolved'}: ${alert.rule.type} on ${alert.syncName} → ${alert.destinationName}`,
        detail: alert.detail,
        fields: [
          field('Sync', `${esc(alert.syncName)} (\`${esc(alert.syncId)}\`)`),
          field('Destination', `${esc(alert.destinationName)} (${esc(alert.connectionType)})`),
          field('State', `${firing ? 'firing' : 'resolved'} since ${alert.since}`),
          field('Rule', esc(ruleText(alert.rule))),
          ...(run ? [field('Records', `${counts(run)} (run \`${esc(run.runId)}\`, ${esc(run.status)})`)] : []),
        ],
      };
    }
    case 'run.started':
    case 'run.completed': {
      const run = runOf(event)!;
      const started = event.type === 'run.started';
      return {
        headline: `${started ? 'Run started' : `Run ${run.status}`}: ${run.entityName} → ${run.destinationName}`,
        ...(run.statusMessage ? { detail: run.statusMessage } : {}),
        fields: [
          field('Sync', `${esc(run.entityName)} (\`${esc(run.syncId)}\`)`),
          field('Destination', `${esc(run.destinationName)} (${esc(run.connectionType)})`),
          field('Status', `${esc(run.status)} (run \`${esc(run.runId)}\`)`),
          ...(started ? [] : [field('Records', counts(run))]),
        ],
      };
    }
    case 'webhook.test':
      return { headline: TEST_MESSAGE, fields: [field('Webhook', `\`${esc(String(event.data.webhookId))}\``)] };
  }
}

/**
 * A Slack incoming-webhook message: `text` (the notification, and what Slack shows where
 * blocks are not shown) and `blocks` naming the sync, destination, state or status and
 * counts, then a link to the console when the deployment knows it. Long details are cut to
 * Slack's sizes (3,000 characters a section, 2,000 a field, 40,000 the text).
 */
export function slackMessage(event: SyncTrailEvent, consoleUrl?: string): SlackMessage {
  const { headline, detail, fields } = slackParts(event);
  const link = consoleLink(consoleUrl, event);
  const context = [`SyncTrail · org \`${esc(event.orgId)}\` · ${event.createdAt}`, ...(link ? [`<${link}|Open in the SyncTrail console>`] : [])].join(' · ');
  return {
    text: truncate(esc(detail ? `${headline} — ${detail}` : headline), SLACK_TEXT_MAX),
    blocks: [{ type: 'section', text: md(detail ? `*${esc(headline)}*\n${esc(detail)}` : `*${esc(headline)}*`, SLACK_SECTION_TEXT_MAX), fields }, { type: 'context', elements: [md(context, SLACK_SECTION_TEXT_MAX)] }],
  };
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: Record<string, unknown>;
  };
  client: 'SyncTrail';
  client_url?: string;
  links?: { href: string; text: string }[];
}

/**
 * One alert's key, the same on its `alert.fired` and its `alert.resolved`: org, sync, rule
 * type and when the firing began. A later firing of the same rule is another incident, and a
 * late resolve of an earlier firing cannot close it. Past PagerDuty's 255 characters (ids
 * may be 128 each) it is a hash of the same parts.
 */
export function pagerDutyDedupKey(orgId: string, syncId: string, ruleType: string, firingSince?: string): string {
  const key = `synctrail/${orgId}/${syncId}/${ruleType}${firingSince === undefined ? '' : `/${firingSince}`}`;
  if (key.length <= PAGERDUTY_DEDUP_KEY_MAX) return key;
  return `synctrail/sha256/${createHash('sha256').update(JSON.stringify([orgId, syncId, ruleType, firingSince])).digest('hex')}`;
}

/**
 * A PagerDuty Events API v2 event: `alert.fired` triggers, `alert.resolved` resolves the same
 * `dedup_key`; a test-send triggers an `info` alert of its own key (one per webhook, so
 * repeated tests fold into one alert); `run.completed` as `pagerDutyRunEvent` says. A run
 * start is not PagerDuty's: such a webhook is refused when added, and this throws if one gets here.
 */
export function pagerDutyEvent(event: SyncTrailEvent, routingKey: string, consoleUrl?: string): PagerDutyEvent {
  const link = consoleLink(consoleUrl, event);
  const links = link ? { client_url: link, links: [{ href: link, text: 'Open in the SyncTrail console' }] } : {};
  if (event.type === 'webhook.test') {
    return {
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: `synctrail/test/${event.orgId}/${String(event.data.webhookId)}`,
      payload: { summary: TEST_MESSAGE, source: 'SyncTrail', severity: 'info', timestamp: event.createdAt, custom_details: { orgId: event.orgId, webhookId: event.data.webhookId } },
      client: 'SyncTrail',
      ...links,
    };
  }
  if (event.type === 'run.completed') return pagerDutyRunEvent(event, routingKey, links);
  if (event.type !== 'alert.fired' && event.type !== 'alert.resolved') throw new Error(`a pagerduty webhook takes alert events and run.completed, not ${event.type}`);
  const alert = alertOf(event);
  const run = runOf(event);
  const firing = event.type === 'alert.fired';
  const firingSince = firing ? alert.since : (alert.firingSince ?? alert.since);
  return {
    routing_key: routingKey,
    event_action: firing ? 'trigger' : 'resolve',
    dedup_key: pagerDutyDedupKey(event.orgId, alert.syncId, alert.rule.type, firingSince),
    payload: {
      summary: truncate(`${firing ? 'Alert firing' : 'Alert resolved'}: ${alert.rule.type} on ${alert.syncName} → ${alert.destinationName}: ${alert.detail}`, PAGERDUTY_SUMMARY_MAX),
      source: `${alert.destinationName} (${alert.connectionType})`,
      severity: severityOf(alert.rule.type),
      timestamp: event.createdAt,
      component: alert.syncName,
      group: alert.connectionType,
      class: alert.rule.type,
      custom_details: {
        orgId: event.orgId,
        syncId: alert.syncId,
        syncName: alert.syncName,
        destinationName: alert.destinationName,
        rule: ruleText(alert.rule),
        state: alert.state,
        since: alert.since,
        firingSince,
        detail: alert.detail,
        ...(run ? { runId: run.runId, runStatus: run.status, records: counts(run) } : {}),
      },
    },
    client: 'SyncTrail',
    ...links,
  };
}

/**
 * `run.completed` on PagerDuty: an `error` run triggers, any other finished run of the sync
 * resolves, under one key per sync (`synctrail/<org>/<sync>/run`): error runs in a row fold into
 * one incident, the next good run closes it (a resolve with nothing open is a no-op there).
 */
function pagerDutyRunEvent(event: SyncTrailEvent, routingKey: string, links: Partial<Pick<PagerDutyEvent, 'client_url' | 'links'>>): PagerDutyEvent {
  const run = runOf(event)!;
  const failed = run.status === 'error';
  return {
    routing_key: routingKey,
    event_action: failed ? 'trigger' : 'resolve',
    dedup_key: pagerDutyDedupKey(event.orgId, run.syncId, 'run'),
    payload: {
      summary: truncate(`Run ${run.status}: ${run.entityName} → ${run.destinationName}${run.statusMessage ? `: ${run.statusMessage}` : ''}`, PAGERDUTY_SUMMARY_MAX),
      source: `${run.destinationName} (${run.connectionType})`,
      severity: failed ? 'error' : 'info',
      timestamp: event.createdAt,
      component: run.entityName,
      group: run.connectionType,
      class: 'run',
      custom_details: { orgId: event.orgId, syncId: run.syncId, runId: run.runId, runStatus: run.status, records: counts(run), ...(run.statusMessage ? { detail: run.statusMessage } : {}) },
    },
    client: 'SyncTrail',
    ...links,
  };
}

/** The body a webhook of this format posts for this event. */
export function webhookBody(hook: Webhook, event: SyncTrailEvent, consoleUrl?: string): string {
  switch (hook.format) {
    case 'slack':
      return JSON.stringify(slackMessage(event, consoleUrl));
    case 'pagerduty':
      return JSON.stringify(pagerDutyEvent(event, hook.routingKey, consoleUrl));
    default:
      return JSON.stringify(event);
  }
}
