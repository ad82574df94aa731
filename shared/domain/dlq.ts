import * as z from 'zod';
import { recordAudit } from './audit.ts';
import type { DlqItem, DlqQuery, DlqState, PayloadView, ReplayEvent } from './dlq-entity.ts';
import { requireOrgKey } from './authz.ts';
import { sha256Hex } from './canonical-json.ts';
import { conflict, notFound } from './errors.ts';
import { newId } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
import type { Run } from './run-entity.ts';
import { cursorSchema, limitSchema } from './query-params.ts';
import { outcomeOf, type RecordStatus } from './statuses.ts';
import { trackingFileKey, type TrackingRow } from './tracking-row.ts';

/** A dead-letter item keeps at most this many bytes of its record's JSON text (the whole record stays in its parquet file). */
export const PAYLOAD_PREVIEW_BYTES = 4096;
/**
 * A replay event carries a record up to this size whole (EventBridge takes 256 KB, a
 * table item 400 KB); a larger one carries its preview, and `GET /v1/replays` reads the
 * whole record from its parquet file.
 */
export const EVENT_PAYLOAD_MAX_BYTES = 64 * 1024;
/** `GET /v1/replays` stops a page before its payloads pass this many bytes (a Lambda answer holds 6 MB). */
export const REPLAYS_PAGE_PAYLOAD_BYTES = 4 * 1024 * 1024;
/** Batch files `GET /v1/replays` reads at once. */
const FILE_READ_CONCURRENCY = 8;
/** The batch schema's limits, held again here: what a dead-letter item stores stays bounded whatever the ingest path lets through. */
const MAX_IDENTIFIER_CHARS = 1024;
const MAX_STATUS_MESSAGE_CHARS = 8192;

/** The longest prefix of `text` that is at most `maxBytes` in UTF-8, cut between characters. */
export function utf8Prefix(text: string, maxBytes: number): { text: string; bytes: number; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, bytes: bytes.length, truncated: false };
  let end = Math.max(0, maxBytes);
  // A continuation byte (10xxxxxx) right after the cut means a character straddles it.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return { text: bytes.subarray(0, end).toString('utf8'), bytes: bytes.length, truncated: true };
}

/** At most `max` UTF-16 units, never half a surrogate pair. */
function cutChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** Same record, same id: a retried batch never adds an item twice. */
export const dlqItemId = (orgId: string, runId: string, batchKey: string, rowNumber: number) =>
  `dlq_${sha256Hex(`${orgId}\n${runId}\n${batchKey}\n${rowNumber}`).slice(0, 32)}`;

export function dlqItemsOf(rows: TrackingRow[], run: Run, createdAt: string): DlqItem[] {
  return rows
    .filter((row) => row.is_final && outcomeOf(row.status as RecordStatus) === 'failed')
    .map((row) => {
      const preview = utf8Prefix(row.record_payload, PAYLOAD_PREVIEW_BYTES);
      return {
        orgId: run.orgId,
        itemId: dlqItemId(run.orgId, run.runId, `${row.batch_type}.${row.batch_number}`, row.row_number),
        syncId: run.syncId,
        runId: run.runId,
        batchType: row.batch_type,
        batchNumber: row.batch_number,
        rowNumber: row.row_number,
        fileKey: trackingFileKey(run.orgId, run.syncId, run.runId, row.batch_type, row.batch_number),
        identifier: row.identifier === null ? null : cutChars(row.identifier, MAX_IDENTIFIER_CHARS),
        status: row.status as RecordStatus,
        statusMessage: row.status_message === null ? null : cutChars(row.status_message, MAX_STATUS_MESSAGE_CHARS),
        payload: preview.text,
        payloadTruncated: preview.truncated,
        payloadBytes: preview.bytes,
        entityType: row.entity_type,
        instance: row.instance,
        createdAt,
        state: 'pending' as const,
        expiresAt: run.expiresAt,
        recordsExpireAt: run.recordsExpireAt,
      };
    });
}

const recordsReadable = (item: Pick<DlqItem, 'recordsExpireAt'>, now: Date) => !item.recordsExpireAt || Date.parse(item.recordsExpireAt) > now.getTime();

/** The payload as the item holds it: the record when whole, else its preview (no file is read). */
function storedPayloadView(item: DlqItem, now: Date): PayloadView {
  if (!item.payloadTruncated) return { payload: JSON.parse(item.payload) as unknown, payloadTruncated: false, payloadBytes: item.payloadBytes, payloadAvailable: true };
  return { payload: null, payloadTruncated: true, payloadBytes: item.payloadBytes, payloadAvailable: recordsReadable(item, now), payloadPreview: item.payload };
}

/** S3 answers NoSuchKey (GET) or NotFound (HEAD) for an object that is not there, e.g. expired by the bucket's lifecycle. */
const isMissingObject = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
};

type RecordAt = { fileKey: string; rowNumber: number; identifier: string | null; recordsExpireAt?: string | null | undefined };

/**
 * The whole JSON text of a record, read from its batch file (by its identifier, through the
 * file's identifier index or bloom filters and page index, when it has one); undefined when that file is past
 * its retention or gone.
 */
async function readWholePayload(deps: Deps, at: RecordAt): Promise<string | undefined> {
  if (at.recordsExpireAt && Date.parse(at.recordsExpireAt) <= deps.clock.now().getTime()) return undefined;
  try {
    const found = at.identifier === null ? [] : await deps.files.findRows(at.fileKey, at.identifier);
    const rows = found.some((row) => row.row_number === at.rowNumber) ? found : await deps.files.readRows(at.fileKey, at.rowNumber, at.rowNumber + 1);
    return rows.find((row) => row.row_number === at.rowNumber)?.record_payload;
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
}

/** A truncated payload made whole from its batch file, or its preview saying the file can no longer be read. */
async function wholePayloadView(deps: Deps, view: PayloadView, at: RecordAt): Promise<PayloadView> {
  if (!view.payloadTruncated) return view;
  const text = await readWholePayload(deps, at);
  if (text === undefined) return { ...view, payload: null, payloadAvailable: false };
  return { payload: JSON.parse(text) as unknown, payloadTruncated: false, payloadBytes: Buffer.byteLength(text), payloadAvailable: true };
}

export function presentDlqItem(item: DlqItem, now: Date) {
  const { orgId, expiresAt, payload, payloadTruncated, payloadBytes, recordsExpireAt, ...rest } = item;
  return {
    ...rest,
    ...storedPayloadView(item, now),
    recordsExpireAt: recordsExpireAt ?? null,
    stateChangedAt: item.stateChangedAt ?? null,
    stateChangedBy: item.stateChangedBy ?? null,
  };
}

export async function listDlq(deps: Deps, principal: Principal, query: DlqQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const now = deps.clock.now();
  const page = await deps.dlq.list(orgId, query, Math.floor(now.getTime() / 1000));
  return { items: page.items.map((item) => presentDlqItem(item, now)), nextCursor: page.nextCursor };
}

async function loadItem(deps: Deps, orgId: string, itemId: string): Promise<DlqItem> {
  const item = await deps.dlq.get(orgId, itemId);
  if (!item || Date.parse(item.expiresAt) <= deps.clock.now().getTime()) throw notFound(`dead-letter item ${itemId}`);
  return item;
}

/** One item with its whole payload, read from its batch file when the item holds only a preview. */
export async function getDlqItem(deps: Deps, principal: Principal, itemId: string) {
  const orgId = requireOrgKey(principal, 'read');
  const item = await loadItem(deps, orgId, itemId);
  const now = deps.clock.now();
  const { payloadPreview: _preview, ...rest } = presentDlqItem(item, now);
  return { ...rest, ...(await wholePayloadView(deps, storedPayloadView(item, now), item)) };
}

const onlyPending = (itemId: string, state: DlqState, action: 'replayed' | 'discarded') =>
  conflict(`dead-letter item ${itemId} is ${state}; only pending items can be ${action}`);

/**
 * The replay event of one item, as `by` sends it at `now`: it carries the whole record up to
 * EVENT_PAYLOAD_MAX_BYTES (read from its batch file when the item holds a preview); a larger
 * one goes out as its preview and `GET /v1/replays` answers it whole.
 */
export async function replayEventOf(deps: Deps, item: DlqItem, by: string, now: Date): Promise<ReplayEvent> {
  const stored = storedPayloadView(item, now);
  const carried = item.payloadBytes <= EVENT_PAYLOAD_MAX_BYTES ? await wholePayloadView(deps, stored, item) : stored;
  const { orgId, state: _state, stateChangedAt: _at, stateChangedBy: _by, expiresAt: _expires, payload: _p, payloadTruncated: _t, payloadBytes: _b, recordsExpireAt, ...rest } = item;
  return { eventId: newId('evt', now), orgId, type: 'dlq.replay', at: now.toISOString(), by, item: { ...rest, ...carried, recordsExpireAt: recordsExpireAt ?? null } };
}

/** The key id that acts, or `root`. */
export const actorOf = (principal: Principal) => (principal.kind === 'key' ? principal.keyId : 'root');

/**
 * Replays one item: it moves from pending to replayed in one conditional write (so it can
 * be replayed once, and never also discarded), then the replay event goes out. If sending
 * the event fails, the item goes back to pending and the caller gets the error. The event
 * (`replayEventOf`) is made before the item changes state: reading its record from the
 * batch file may fail, and then nothing changed.
 */
export async function replayDlqItem(deps: Deps, principal: Principal, itemId: string) {
  const orgId = requireOrgKey(principal, 'ingest');
  const actor = actorOf(principal);
  const item = await loadItem(deps, orgId, itemId);
  if (item.state !== 'pending') throw onlyPending(itemId, item.state, 'replayed');
  const now = deps.clock.now();
  const event = await replayEventOf(deps, item, actor, now);
  const at = event.at;
  if (!(await deps.dlq.transition(orgId, itemId, 'pending', 'replayed', at, actor))) {
    throw onlyPending(itemId, (await deps.dlq.get(orgId, itemId))?.state ?? item.state, 'replayed');
  }
  try {
    await deps.events.publishReplay(event, item.expiresAt);
  } catch (error) {
    await deps.dlq.transition(orgId, itemId, 'replayed', 'pending', at, actor);
    throw error;
  }
  await recordAudit(deps, { orgId, actor, action: 'dlq.replayed', target: { type: 'dlq', id: itemId }, syncId: item.syncId, before: { state: 'pending' }, after: { state: 'replayed', eventId: event.eventId } });
  return { ...presentDlqItem({ ...item, state: 'replayed', stateChangedAt: at, stateChangedBy: actor }, now), eventId: event.eventId };
}

export async function discardDlqItem(deps: Deps, principal: Principal, itemId: string) {
  const orgId = requireOrgKey(principal, 'ingest');
  const actor = actorOf(principal);
  const item = await loadItem(deps, orgId, itemId);
  const now = deps.clock.now();
  const at = now.toISOString();
  if (!(await deps.dlq.transition(orgId, itemId, 'pending', 'discarded', at, actor))) {
    throw onlyPending(itemId, (await deps.dlq.get(orgId, itemId))?.state ?? item.state, 'discarded');
  }
  await recordAudit(deps, { orgId, actor, action: 'dlq.discarded', target: { type: 'dlq', id: itemId }, syncId: item.syncId, before: { state: 'pending' }, after: { state: 'discarded' } });
  return presentDlqItem({ ...item, state: 'discarded', stateChangedAt: at, stateChangedBy: actor }, now);
}

export const replaysQuerySchema = z.strictObject({ limit: limitSchema, cursor: cursorSchema });

/** A replay event as the producer reads it: its record whole when its batch file can still be read. */
const wholeEvent = async (deps: Deps, event: ReplayEvent): Promise<ReplayEvent> => {
  if (!event.item.payloadTruncated) return event;
  const { payload, payloadTruncated, payloadBytes, payloadAvailable, payloadPreview, ...rest } = event.item;
  const view = await wholePayloadView(deps, { payload, payloadTruncated, payloadBytes, payloadAvailable, ...(payloadPreview === undefined ? {} : { payloadPreview }) }, event.item);
  return { ...event, item: { ...rest, ...view } };
};

/**
 * Replay events, newest first, each with its whole record (read from its batch file when
 * the event holds a preview). A page ends early rather than carry more than
 * REPLAYS_PAGE_PAYLOAD_BYTES of payloads (always at least one event); its cursor goes on.
 */
export async function listReplays(deps: Deps, principal: Principal, query: z.infer<typeof replaysQuerySchema>) {
  const orgId = requireOrgKey(principal, 'read');
  const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000);
  const request = { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) };
  let page = await deps.events.listReplays(orgId, request, nowSeconds);
  let bytes = 0;
  const fits = page.items.findIndex((event, index) => {
    bytes += event.item.payloadBytes;
    return index > 0 && bytes > REPLAYS_PAGE_PAYLOAD_BYTES;
  });
  // Read the shorter page again: its cursor then continues right after its last event.
  if (fits > 0) page = await deps.events.listReplays(orgId, { ...request, limit: fits }, nowSeconds);
  const items: ReplayEvent[] = [];
  for (let i = 0; i < page.items.length; i += FILE_READ_CONCURRENCY) {
    items.push(...(await Promise.all(page.items.slice(i, i + FILE_READ_CONCURRENCY).map((event) => wholeEvent(deps, event)))));
  }
  return { items, nextCursor: page.nextCursor };
}
