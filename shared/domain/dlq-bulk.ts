/**
 * Bulk dead-letter actions: replay or discard every pending item a filter matches
 * (`POST /v1/dlq/replay`, `POST /v1/dlq/discard`), or count them first (`dryRun`). Each item
 * moves by the same conditional write as a single replay or discard, so however many
 * requests overlap, an item is acted on once, and each request counts only the moves it won.
 */
import { recordAudit } from './audit.ts';
import { requireOrgKey } from './authz.ts';
import type { DlqBulkFilter, DlqBulkRequest, DlqItem, ReplayEvent } from './dlq-entity.ts';
import { actorOf, replayEventOf } from './dlq.ts';
import { classifyError } from './error-catalogue.ts';
import { newId } from './ids.ts';
import type { Principal } from './keys.ts';
import type { Deps } from './ports.ts';

/** A real run acts on at most this many items; `remaining: true` says to send it again. */
export const BULK_MAX_ITEMS = 1000;
/** A dry run counts at most this many matches (`remaining: true` beyond). */
export const BULK_COUNT_MAX = 10_000;
/**
 * A request stops taking up items after this long and answers what it did, `remaining: true`
 * (API Gateway ends a request at 29 s; the items not reached stay pending).
 */
export const BULK_TIME_BUDGET_MS = 20_000;
/** Items moved, and their replay events sent, together: PutEvents takes 10 entries. */
const CHUNK = 10;

export interface BulkLimits {
  maxItems: number;
  countMax: number;
  timeBudgetMs: number;
  /** Milliseconds since some fixed point (a monotonic clock: the request's time budget is real time, whatever `deps.clock` says). */
  elapsed: () => number;
}

const DEFAULT_LIMITS: BulkLimits = { maxItems: BULK_MAX_ITEMS, countMax: BULK_COUNT_MAX, timeBudgetMs: BULK_TIME_BUDGET_MS, elapsed: () => performance.now() };

/** `failed*` matches every message starting with `failed`; anything else matches the whole message. */
export function matchesStatusMessage(pattern: string, message: string | null): boolean {
  if (message === null) return false;
  return pattern.endsWith('*') ? message.startsWith(pattern.slice(0, -1)) : message === pattern;
}

/** Whether an item matches every key of the filter (the store applies syncId, runId, from and to too; this holds them all). */
export function matchesBulkFilter(item: Pick<DlqItem, 'syncId' | 'runId' | 'statusMessage' | 'createdAt'>, filter: DlqBulkFilter): boolean {
  if (filter.syncId !== undefined && item.syncId !== filter.syncId) return false;
  if (filter.runId !== undefined && item.runId !== filter.runId) return false;
  if (filter.from !== undefined && item.createdAt < filter.from) return false;
  if (filter.to !== undefined && item.createdAt > filter.to) return false;
  if (filter.statusMessage !== undefined && !matchesStatusMessage(filter.statusMessage, item.statusMessage)) return false;
  if (filter.category !== undefined && classifyError(item.statusMessage).category !== filter.category) return false;
  return true;
}

/**
 * Reads the pending items matching `filter`, oldest first, handing each to `take` until it
 * answers false (it wants no more), the items run out, or the time budget is spent. Answers
 * whether reading stopped with matching items possibly left (`more`).
 */
async function eachMatch(deps: Deps, orgId: string, filter: DlqBulkFilter, deadline: () => boolean, take: (item: DlqItem) => boolean): Promise<{ more: boolean }> {
  const { syncId, runId, from, to } = filter;
  const storeFilter = { ...(syncId ? { syncId } : {}), ...(runId ? { runId } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) };
  const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000);
  let cursor: string | undefined;
  do {
    const page = await deps.dlq.pendingPage(orgId, storeFilter, nowSeconds, cursor);
    for (const item of page.items) {
      if (matchesBulkFilter(item, filter) && !take(item)) return { more: true };
    }
    cursor = page.nextCursor ?? undefined;
    if (cursor && deadline()) return { more: true };
  } while (cursor);
  return { more: false };
}

type Verb = 'replay' | 'discard';

/** The answer of a bulk action: the dry run's count, or what this request moved, and whether matching items remain. */
export type BulkAnswer<V extends Verb> = V extends 'replay' ? { matched: number; replayed: number; remaining: boolean } : { matched: number; discarded: number; remaining: boolean };

async function bulkAction<V extends Verb>(deps: Deps, principal: Principal, verb: V, request: DlqBulkRequest, limits: BulkLimits): Promise<{ matched: number; remaining: boolean; asOf: string } | BulkAnswer<V>> {
  const orgId = requireOrgKey(principal, 'ingest');
  const started = limits.elapsed();
  const deadline = () => limits.elapsed() - started >= limits.timeBudgetMs;
  // Reading stops at half the budget, so the items it took up always get their turn.
  const readDeadline = () => limits.elapsed() - started >= limits.timeBudgetMs / 2;
  const { filter } = request;

  if (request.dryRun) {
    // When it counted: `"to": asOf` on the real action then takes up only the items counted.
    const asOf = deps.clock.now().toISOString();
    let matched = 0;
    // One past the cap tells whether more match; items are counted, not kept.
    const { more } = await eachMatch(deps, orgId, filter, deadline, () => (matched += 1) <= limits.countMax);
    return { matched: Math.min(matched, limits.countMax), remaining: more, asOf };
  }

  const items: DlqItem[] = [];
  const read = await eachMatch(deps, orgId, filter, readDeadline, (item) => items.push(item) <= limits.maxItems);
  const actor = actorOf(principal);
  const to = verb === 'replay' ? 'replayed' : 'discarded';
  let matched = 0;
  let moved = 0;
  let failure: { error: unknown } | undefined;
  const todo = items.slice(0, limits.maxItems);
  for (let i = 0; i < todo.length; i += CHUNK) {
    // Checked before every chunk, the first too: a chunk ends well inside the function's 29 s.
    if (i > 0 && deadline()) break;
    const chunk = todo.slice(i, i + CHUNK);
    matched += chunk.length;
    // Each item on its own: one that fails (its record unreadable, a write refused) stays
    // pending and is reported; the others of the chunk, and the chunks after, go on.
    const result = verb === 'replay' ? await replayChunk(deps, orgId, actor, chunk) : await discardChunk(deps, orgId, actor, chunk);
    moved += result.moved;
    if (result.error !== undefined) failure ??= { error: result.error };
    // The bus refusing events is no one item's fault: stop there rather than spin through the rest.
    if ('stop' in result && result.stop) break;
  }
  const remaining = read.more || matched < items.length || failure !== undefined;
  const counts = verb === 'replay' ? { matched, replayed: moved, remaining } : { matched, discarded: moved, remaining };
  const now = deps.clock.now();
  const entry = {
    orgId,
    actor,
    target: { type: 'dlq' as const, id: newId('bulk', now) },
    ...(filter.syncId ? { syncId: filter.syncId } : {}),
    before: { state: 'pending' },
    after: { state: to, filter, ...counts },
  };
  // One entry for the whole action, however many items it moved.
  if (verb === 'replay') await recordAudit(deps, { ...entry, action: 'dlq.bulk_replayed' });
  else await recordAudit(deps, { ...entry, action: 'dlq.bulk_discarded' });
  // The moves made are kept and audited; the caller hears of the failure, and a retry takes up what is still pending.
  if (failure) throw failure.error;
  return counts as BulkAnswer<V>;
}

const firstError = (results: ReadonlyArray<PromiseSettledResult<unknown>>) => results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;

/**
 * Whether this request's move of an item landed. A move that threw (throttled, the connection
 * lost) may have landed all the same: the item is read back, and it is ours when it is in
 * `to` with our time and actor on it. Unknown (the read fails too) throws: the caller reports it.
 */
async function movedByUs(deps: Deps, orgId: string, item: DlqItem, move: PromiseSettledResult<boolean>, to: 'replayed' | 'discarded', at: string, actor: string): Promise<boolean> {
  if (move.status === 'fulfilled') return move.value;
  const now = await deps.dlq.get(orgId, item.itemId);
  return now?.state === to && now.stateChangedAt === at && now.stateChangedBy === actor;
}

/**
 * Replays up to CHUNK items as `replayDlqItem` does one: each event made first (its record
 * read from its file), then each item moved from pending (only the moves won count), then
 * the won items' events sent in one PutEvents; an item whose event was not sent goes back
 * to pending. Each item fails alone, and no move that landed is left without its event.
 */
async function replayChunk(deps: Deps, orgId: string, actor: string, chunk: DlqItem[]): Promise<{ moved: number; error?: unknown; stop?: boolean }> {
  const now = deps.clock.now();
  const built = await Promise.allSettled(chunk.map((item) => replayEventOf(deps, item, actor, now)));
  const ready = chunk.flatMap((item, i) => (built[i]!.status === 'fulfilled' ? [{ item, event: (built[i] as PromiseFulfilledResult<ReplayEvent>).value }] : []));
  const moves = await Promise.allSettled(ready.map(({ item, event }) => deps.dlq.transition(orgId, item.itemId, 'pending', 'replayed', event.at, actor)));
  const won = await Promise.allSettled(ready.map(({ item, event }, i) => movedByUs(deps, orgId, item, moves[i]!, 'replayed', event.at, actor)));
  // A move whose outcome stays unknown is sent too: a replay event twice is better than an item replayed with none.
  const mine = ready.filter((_r, i) => won[i]!.status === 'rejected' || (won[i] as PromiseFulfilledResult<boolean>).value);
  let error: unknown = firstError(built) ?? firstError(won);
  if (!mine.length) return { moved: 0, ...(error === undefined ? {} : { error }) };
  const published = await deps.events.publishReplays(mine.map(({ item, event }) => ({ event, expiresAt: item.expiresAt })));
  const unsent = mine.filter((_replay, i) => !published.sent[i]);
  const back = await Promise.allSettled(unsent.map(({ item, event }) => deps.dlq.transition(orgId, item.itemId, 'replayed', 'pending', event.at, actor)));
  const stop = published.error !== undefined || unsent.length > 0;
  error ??= published.error ?? firstError(back) ?? (unsent.length ? new Error(`${unsent.length} replay event(s) were not sent`) : undefined);
  return { moved: mine.length - unsent.length, ...(error === undefined ? {} : { error }), ...(stop ? { stop } : {}) };
}

async function discardChunk(deps: Deps, orgId: string, actor: string, chunk: DlqItem[]): Promise<{ moved: number; error?: unknown }> {
  const at = deps.clock.now().toISOString();
  const moves = await Promise.allSettled(chunk.map((item) => deps.dlq.transition(orgId, item.itemId, 'pending', 'discarded', at, actor)));
  const won = await Promise.allSettled(chunk.map((item, i) => movedByUs(deps, orgId, item, moves[i]!, 'discarded', at, actor)));
  const error = firstError(won);
  return { moved: won.filter((w) => w.status === 'fulfilled' && w.value).length, ...(error === undefined ? {} : { error }) };
}

/** `POST /v1/dlq/replay`: `{matched}` on a dry run, else `{matched, replayed}`; `remaining` says whether to send it again. */
export const bulkReplayDlq = (deps: Deps, principal: Principal, request: DlqBulkRequest, limits: BulkLimits = DEFAULT_LIMITS) => bulkAction(deps, principal, 'replay', request, limits);

/** `POST /v1/dlq/discard`: `{matched}` on a dry run, else `{matched, discarded}`; `remaining` says whether to send it again. */
export const bulkDiscardDlq = (deps: Deps, principal: Principal, request: DlqBulkRequest, limits: BulkLimits = DEFAULT_LIMITS) => bulkAction(deps, principal, 'discard', request, limits);
