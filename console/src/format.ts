/** How numbers, dates and statuses read in the console. */
import type { AlertRuleState } from '../../shared/domain/alert-entity.ts';
import { LOG_STATUS_LABELS } from '../../shared/domain/statuses.ts';

const numberFormat = new Intl.NumberFormat('en-US');
export const count = (n: number | null | undefined) => (n === null || n === undefined ? '—' : numberFormat.format(n));

export const percent = (rate: number | null | undefined, digits = 1) => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(digits)}%`);

const dateTime = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
/** Dates read in UTC (the header says so), as stored and as filters take them; the ISO value is in the title. */
export const when = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)).replace(',', '') : '—');

const dayFormat = new Intl.DateTimeFormat('en-GB', { month: 'short', day: '2-digit', timeZone: 'UTC' });
export const day = (iso: string) => dayFormat.format(new Date(iso));

export const titleCase = (word: string) => word.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

export type Tone = 'success' | 'partial' | 'error' | 'running' | 'waiting' | 'neutral';

/** Colours: green success, amber partial, red error, blue running or in progress, violet waiting for a decision (a pending dead letter), grey neither. */
const TONES: Record<string, Tone> = {
  complete: 'success',
  succeeded: 'success',
  success: 'success',
  completed: 'success',
  partial_complete: 'partial',
  partial_success: 'partial',
  partially_failed: 'partial',
  error: 'error',
  rejected: 'error',
  failed: 'error',
  extraction_failed: 'error',
  NULL: 'error',
  DUPLICATE: 'error',
  running: 'running',
  in_progress: 'running',
  extracting: 'running',
  ready: 'neutral',
  pending: 'waiting',
  replayed: 'success',
  discarded: 'neutral',
};

/** Every status's word: run and record statuses here, Sync Logs badges from the domain's own table. */
const LABELS: Record<string, string> = {
  ...LOG_STATUS_LABELS,
  complete: 'Complete',
  partial_complete: 'Partial Complete',
  error: 'Error',
  running: 'Running',
  ready: 'Ready',
  succeeded: 'Success',
  partial_success: 'Partial Success',
  partially_failed: 'Partially Failed',
  rejected: 'Rejected',
  extraction_failed: 'Extraction Failed',
  NULL: 'Invalid: no identifier',
  DUPLICATE: 'Invalid: duplicate',
};

/** An alert rule's state: firing red, OK green; not yet judged says nothing yet, so grey, never OK's green. */
export const ALERT_STATE_BADGES: Record<AlertRuleState, { tone: Tone; label: string }> = {
  firing: { tone: 'error', label: 'Firing' },
  ok: { tone: 'success', label: 'OK' },
  pending: { tone: 'neutral', label: 'Not yet judged' },
};

export const toneOf = (status: string): Tone => TONES[status] ?? TONES[status.toLowerCase().replace(/[\s-]+/g, '_')] ?? 'neutral';
export const labelOf = (status: string) => LABELS[status] ?? titleCase(status);

/** A date over its time, for narrow table cells. */
export const stamp = (iso: string) => {
  const [date, time] = [iso.slice(0, 10), iso.slice(11, 16)];
  return { date: dateOnly.format(new Date(`${date}T00:00:00Z`)), time };
};
const dateOnly = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'short', day: '2-digit', timeZone: 'UTC' });
