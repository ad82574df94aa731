import * as z from 'zod';
import { recordAudit } from './audit.ts';
import { requireOrgKey } from './authz.ts';
import { sha256Hex } from './canonical-json.ts';
import { conflict, notFound } from './errors.ts';
import { newId } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';
import type { Run } from './run.ts';
import { cursorSchema, limitSchema } from './query-params.ts';
import { outcomeOf, type RecordStatus } from './statuses.ts';
import type { TrackingRow } from './tracking-row.ts';

export const DLQ_STATES = ['pending', 'replayed', 'discarded'] as const;
export type DlqState = (typeof DLQ_STATES)[number];

/** A record the producer gave up on (`final: true` and a failed status), awaiting an operator. */
export interface DlqItem {
  orgId: string;
  itemId: string;
  syncId: string;
  runId: string;
  batchType: string;
  batchNumber: number;
  rowNumber: number;
  identifier: string | null;
  status: RecordStatus;
  statusMessage: string | null;
  payload: string;
  entityType: string | null;
  instance: string | null;
  createdAt: string;
  state: DlqState;
  stateChangedAt?: string;
  stateChangedBy?: string;
  expiresAt: string;
}

/** What a producer receives to re-send one record (EventBridge detail in AWS). */
export interface ReplayEvent {
  eventId: string;
  orgId: string;
  type: 'dlq.replay';
  at: string;
  by: string;
  item: Omit<DlqItem, 'orgId' | 'state' | 'stateChangedAt' | 'stateChangedBy' | 'expiresAt' | 'payload'> & { payload: unknown };
}

/** Same record, same id: a retried batch never adds an item twice. */
export const dlqItemId = (orgId: string, runId: string, batchKey: string, rowNumber: number) =>
  `dlq_${sha256Hex(`${orgId}\n${runId}\n${batchKey}\n${rowNumber}`).slice(0, 32)}`;

export function dlqItemsOf(rows: TrackingRow[], run: Run, createdAt: string): DlqItem[] {
  return rows
    .filter((row) => row.is_final && outcomeOf(row.status as RecordStatus) === 'failed')
    .map((row) => ({
      orgId: run.orgId,
      itemId: dlqItemId(run.orgId, run.runId, `${row.batch_type}.${row.batch_number}`, row.row_number),
      syncId: run.syncId,
      runId: run.runId,
      batchType: row.batch_type,
      batchNumber: row.batch_number,
      rowNumber: row.row_number,
      identifier: row.identifier,
      status: row.status as RecordStatus,
      statusMessage: row.status_message,
      payload: row.record_payload,
      entityType: row.entity_type,
      instance: row.instance,
      createdAt,
      state: 'pending',
      expiresAt: run.expiresAt,
    }));
}

export const dlqQuerySchema = z.strictObject({
  syncId: z.string().min(1).max(128).optional(),
  state: z.enum(DLQ_STATES).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type DlqQuery = z.infer<typeof dlqQuerySchema>;

export function presentDlqItem(item: DlqItem) {
  const { orgId, expiresAt, payload, ...rest } = item;
  return { ...rest, payload: JSON.parse(payload) as unknown, stateChangedAt: item.stateChangedAt ?? null, stateChangedBy: item.stateChangedBy ?? null };
}

export async function listDlq(deps: Deps, principal: Principal, query: DlqQuery) {
  const orgId = requireOrgKey(principal, 'read');
  const page = await deps.dlq.list(orgId, query, Math.floor(deps.clock.now().getTime() / 1000));
  return { items: page.items.map(presentDlqItem), nextCursor: page.nextCursor };
}

async function loadItem(deps: Deps, orgId: string, itemId: string): Promise<DlqItem> {
  const item = await deps.dlq.get(orgId, itemId);
  if (!item || Date.parse(item.expiresAt) <= deps.clock.now().getTime()) throw notFound(`dead-letter item ${itemId}`);
  return item;
}

/**
 * Replays one item: it moves from pending to replayed in one conditional write (so it can
 * be replayed once, and never also discarded), then the replay event goes out. If sending
 * the event fails, the item goes back to pending and the caller gets the error.
 */
export async function replayDlqItem(deps: Deps, principal: Principal, itemId: string) {
  const orgId = requireOrgKey(principal, 'ingest');
  const actor = principal.kind === 'key' ? principal.keyId : 'root';
  const item = await loadItem(deps, orgId, itemId);
  const now = deps.clock.now();
  const at = now.toISOString();
  if (!(await deps.dlq.transition(orgId, itemId, 'pending', 'replayed', at, actor))) {
    throw conflict(`dead-letter item ${itemId} is ${(await deps.dlq.get(orgId, itemId))?.state ?? item.state}; only pending items can be replayed`);
  }
  const { orgId: _o, state, stateChangedAt, stateChangedBy, expiresAt, payload, ...rest } = item;
  const event: ReplayEvent = { eventId: newId('evt', now), orgId, type: 'dlq.replay', at, by: actor, item: { ...rest, payload: JSON.parse(payload) } };
  try {
    await deps.events.publishReplay(event, item.expiresAt);
  } catch (error) {
    await deps.dlq.transition(orgId, itemId, 'replayed', 'pending', at, actor);
    throw error;
  }
  await recordAudit(deps, { orgId, actor, action: 'dlq.replayed', target: { type: 'dlq', id: itemId }, syncId: item.syncId, before: { state: 'pending' }, after: { state: 'replayed', eventId: event.eventId } });
  return { ...presentDlqItem({ ...item, state: 'replayed', stateChangedAt: at, stateChangedBy: actor }), eventId: event.eventId };
}

export async function discardDlqItem(deps: Deps, principal: Principal, itemId: string) {
  const orgId = requireOrgKey(principal, 'ingest');
  const actor = principal.kind === 'key' ? principal.keyId : 'root';
  const item = await loadItem(deps, orgId, itemId);
  const at = deps.clock.now().toISOString();
  if (!(await deps.dlq.transition(orgId, itemId, 'pending', 'discarded', at, actor))) {
    throw conflict(`dead-letter item ${itemId} is ${(await deps.dlq.get(orgId, itemId))?.state ?? item.state}; only pending items can be discarded`);
  }
  await recordAudit(deps, { orgId, actor, action: 'dlq.discarded', target: { type: 'dlq', id: itemId }, syncId: item.syncId, before: { state: 'pending' }, after: { state: 'discarded' } });
  return presentDlqItem({ ...item, state: 'discarded', stateChangedAt: at, stateChangedBy: actor });
}

export const replaysQuerySchema = z.strictObject({ limit: limitSchema, cursor: cursorSchema });

export async function listReplays(deps: Deps, principal: Principal, query: z.infer<typeof replaysQuerySchema>) {
  const orgId = requireOrgKey(principal, 'read');
  return deps.events.listReplays(orgId, query, Math.floor(deps.clock.now().getTime() / 1000));
}
