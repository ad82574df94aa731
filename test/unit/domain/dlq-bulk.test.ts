import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '#domain/audit-entity.ts';
import { bulkDiscardDlq, bulkReplayDlq, matchesBulkFilter, matchesStatusMessage, type BulkLimits } from '#domain/dlq-bulk.ts';
import { dlqBulkRequestSchema, type DlqItem, type DlqState, type ReplayEvent } from '#domain/dlq-entity.ts';
import type { Principal } from '#domain/keys.ts';
import type { Deps } from '#domain/ports.ts';

const principal: Principal = { kind: 'key', orgId: 'acme', keyId: 'k1', scopes: ['ingest', 'read'] };

const item = (n: number, overrides: Partial<DlqItem> = {}): DlqItem => ({
  orgId: 'acme',
  itemId: `dlq_${String(n).padStart(32, '0')}`,
  syncId: 'meta',
  runId: 'r1',
  batchType: 'records_updated',
  batchNumber: 0,
  rowNumber: n,
  fileKey: 'f',
  identifier: `id-${n}`,
  status: 'rejected',
  statusMessage: '503 Service Unavailable',
  payload: '{"n":1}',
  payloadTruncated: false,
  payloadBytes: 7,
  entityType: null,
  instance: null,
  createdAt: `2026-11-20T10:00:${String(n % 60).padStart(2, '0')}.000Z`,
  state: 'pending',
  expiresAt: '2099-01-01T00:00:00.000Z',
  ...overrides,
});

/** A store of items in memory, read `pageSize` at a time, with a bus that refuses the events of `refuse`. */
function fakeDeps(items: DlqItem[], options: { pageSize?: number; refuse?: Set<string>; stealOnRead?: Set<string>; throwAfterMove?: Set<string> } = {}) {
  const state = new Map(items.map((i) => [i.itemId, i.state as DlqState]));
  const changed = new Map<string, { at: string; by: string }>();
  const sent: ReplayEvent[] = [];
  const audit: AuditEntry[] = [];
  let reads = 0;
  const pageSize = options.pageSize ?? 1000;
  const deps = {
    clock: { now: () => new Date('2026-11-21T00:00:00.000Z') },
    dlq: {
      async pendingPage(_orgId: string, _filter: unknown, _now: number, cursor?: string) {
        reads += 1;
        const start = cursor ? Number(cursor) : 0;
        const page = items.slice(start, start + pageSize).filter((i) => state.get(i.itemId) === 'pending');
        // Another request takes these between the read and the move.
        for (const i of page) if (options.stealOnRead?.has(i.itemId)) state.set(i.itemId, 'discarded');
        return { items: page, nextCursor: start + pageSize < items.length ? String(start + pageSize) : null };
      },
      async transition(_orgId: string, itemId: string, from: DlqState, to: DlqState, at: string, by: string) {
        if (state.get(itemId) !== from) return false;
        state.set(itemId, to);
        changed.set(itemId, { at, by });
        // The write landed, and its answer was lost (a timeout, the connection reset).
        if (options.throwAfterMove?.delete(itemId)) throw new Error('socket hang up');
        return true;
      },
      async get(_orgId: string, itemId: string) {
        const found = items.find((i) => i.itemId === itemId);
        return found && { ...found, state: state.get(itemId), stateChangedAt: changed.get(itemId)?.at, stateChangedBy: changed.get(itemId)?.by };
      },
    },
    events: {
      async publishReplays(replays: Array<{ event: ReplayEvent }>) {
        const ok = replays.map(({ event }) => !options.refuse?.has(event.item.itemId));
        sent.push(...replays.filter((_r, i) => ok[i]).map(({ event }) => event));
        return ok.every(Boolean) ? { sent: ok } : { sent: ok, error: new Error('EventBridge refused 1 replay event(s)') };
      },
    },
    audit: { append: async (entry: AuditEntry) => void audit.push(entry) },
  } as unknown as Deps;
  return { deps, state, sent, audit, reads: () => reads };
}

const limits = (overrides: Partial<BulkLimits> = {}): BulkLimits => ({ maxItems: 1000, countMax: 10_000, timeBudgetMs: 20_000, elapsed: () => 0, ...overrides });
const request = (dryRun: boolean, filter: Record<string, string> = { syncId: 'meta' }) => dlqBulkRequestSchema.parse({ filter, dryRun });
const countStates = (state: Map<string, DlqState>) => [...state.values()].reduce((acc: Record<string, number>, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

describe('matchesStatusMessage', () => {
  it.each([
    ['Invalid email format', 'Invalid email format', true],
    ['Invalid email format', 'Invalid email', false],
    ['Invalid email format', 'invalid email format', false],
    ['Invalid*', 'Invalid email format', true],
    ['Invalid*', 'An Invalid email', false],
    ['*', 'anything', true],
    ['*', null, false],
  ] as const)('%s against %s: %s', (pattern, message, expected) => {
    expect(matchesStatusMessage(pattern, message)).toBe(expected);
  });
});

describe('matchesBulkFilter', () => {
  it('holds every key of the filter', () => {
    const one = item(1, { statusMessage: 'token has expired' });
    expect(matchesBulkFilter(one, { category: 'connectivity' })).toBe(true);
    expect(matchesBulkFilter(one, { category: 'data' })).toBe(false);
    expect(matchesBulkFilter(item(2, { statusMessage: null }), { category: 'unknown' })).toBe(true);
    expect(matchesBulkFilter(one, { syncId: 'meta', runId: 'r2' })).toBe(false);
    expect(matchesBulkFilter(one, { from: one.createdAt, to: one.createdAt })).toBe(true);
    expect(matchesBulkFilter(one, { from: '2026-11-20T10:00:02.000Z' })).toBe(false);
    expect(matchesBulkFilter(one, { to: '2026-11-20T10:00:00.999Z' })).toBe(false);
  });
});

describe('dlqBulkRequestSchema', () => {
  it('takes a bare date as the whole day, UTC', () => {
    expect(dlqBulkRequestSchema.parse({ filter: { from: '2026-11-20', to: '2026-11-20' }, dryRun: true }).filter).toEqual({ from: '2026-11-20T00:00:00.000Z', to: '2026-11-20T23:59:59.999Z' });
  });

  it.each([
    ['an empty filter', { filter: {}, dryRun: true }],
    ['a filter of undefined keys only', { filter: { syncId: undefined }, dryRun: true }],
    ['from after to', { filter: { from: '2026-11-21', to: '2026-11-20' }, dryRun: true }],
    ['no dryRun', { filter: { syncId: 'meta' } }],
    ['dryRun as text', { filter: { syncId: 'meta' }, dryRun: 'true' }],
    ['an unknown key', { filter: { syncId: 'meta', identifier: 'x' }, dryRun: true }],
    ['an empty statusMessage', { filter: { statusMessage: '' }, dryRun: true }],
  ])('refuses %s', (_name, body) => {
    expect(dlqBulkRequestSchema.safeParse(body).success).toBe(false);
  });
});

describe('bulk replay and discard', () => {
  it('counts on a dry run up to its cap, says more remain, and moves nothing', async () => {
    // Arrange
    const fake = fakeDeps(Array.from({ length: 25 }, (_, i) => item(i)), { pageSize: 7 });
    // Act
    const capped = await bulkReplayDlq(fake.deps, principal, request(true), limits({ countMax: 10 }));
    const whole = await bulkReplayDlq(fake.deps, principal, request(true), limits({ countMax: 25 }));
    // Assert
    expect(capped).toEqual({ matched: 10, remaining: true, asOf: expect.any(String) });
    expect(whole).toEqual({ matched: 25, remaining: false, asOf: expect.any(String) });
    expect(countStates(fake.state)).toEqual({ pending: 25 });
    expect(fake.sent).toEqual([]);
    expect(fake.audit).toEqual([]);
  });

  it('matches statusMessage and category on the items it reads', async () => {
    // Arrange
    const fake = fakeDeps([item(1), item(2, { statusMessage: 'Invalid email format' }), item(3, { statusMessage: 'Invalid phone' })]);
    // Act
    const data = await bulkDiscardDlq(fake.deps, principal, request(true, { category: 'data' }), limits());
    const prefix = await bulkDiscardDlq(fake.deps, principal, request(false, { statusMessage: 'Invalid e*' }), limits());
    // Assert
    expect(data).toEqual({ matched: 2, remaining: false, asOf: expect.any(String) });
    expect(prefix).toEqual({ matched: 1, discarded: 1, remaining: false });
    expect(fake.state.get(item(2).itemId)).toBe('discarded');
  });

  it('acts on at most maxItems and says more remain', async () => {
    // Arrange
    const fake = fakeDeps(Array.from({ length: 23 }, (_, i) => item(i)), { pageSize: 5 });
    // Act
    const first = await bulkReplayDlq(fake.deps, principal, request(false), limits({ maxItems: 20 }));
    const second = await bulkReplayDlq(fake.deps, principal, request(false), limits({ maxItems: 20 }));
    // Assert
    expect(first).toEqual({ matched: 20, replayed: 20, remaining: true });
    expect(second).toEqual({ matched: 3, replayed: 3, remaining: false });
    expect(fake.sent).toHaveLength(23);
    expect(new Set(fake.sent.map((event) => event.item.itemId)).size).toBe(23);
  });

  it('stops when its time budget is spent, leaving the rest pending', async () => {
    // Arrange: each reading of the clock is a second later; the first is the start.
    let ms = 0;
    const elapsed = () => (ms += 1000);
    const fake = fakeDeps(Array.from({ length: 40 }, (_, i) => item(i)), { pageSize: 100 });
    // Act
    const answer = await bulkDiscardDlq(fake.deps, principal, request(false), limits({ timeBudgetMs: 1500, elapsed }));
    // Assert: the first chunk of 10 at once, the second 1 s in, none at 2 s.
    expect(answer).toEqual({ matched: 20, discarded: 20, remaining: true });
    expect(countStates(fake.state)).toEqual({ pending: 20, discarded: 20 });
  });

  it('counts only the moves it won', async () => {
    // Arrange: two of the five are taken by another request between its read and its move.
    const items = Array.from({ length: 5 }, (_, i) => item(i));
    const fake = fakeDeps(items, { stealOnRead: new Set([items[1]!.itemId, items[3]!.itemId]) });
    // Act
    const answer = await bulkReplayDlq(fake.deps, principal, request(false), limits());
    // Assert
    expect(answer).toEqual({ matched: 5, replayed: 3, remaining: false });
    expect(fake.sent.map((event) => event.item.itemId)).toEqual([items[0]!.itemId, items[2]!.itemId, items[4]!.itemId]);
  });

  it('puts an item back to pending when its event is not sent, audits what it did and throws', async () => {
    // Arrange: the bus refuses the event of item 12 (second chunk).
    const items = Array.from({ length: 30 }, (_, i) => item(i));
    const fake = fakeDeps(items, { refuse: new Set([items[12]!.itemId]) });
    // Act
    const attempt = bulkReplayDlq(fake.deps, principal, request(false), limits());
    // Assert
    await expect(attempt).rejects.toThrow(/refused/);
    expect(fake.state.get(items[12]!.itemId)).toBe('pending');
    expect(countStates(fake.state)).toEqual({ replayed: 19, pending: 11 });
    expect(fake.audit).toHaveLength(1);
    expect(fake.audit[0]).toMatchObject({ action: 'dlq.bulk_replayed', actor: 'k1', syncId: 'meta', after: { filter: { syncId: 'meta' }, matched: 20, replayed: 19, remaining: true } });
  });

  it('sends the event of a move whose answer was lost but that landed, so no item is left replayed with none', async () => {
    // Arrange: the moves of items 3 and 7 land, and their answers are lost
    const items = Array.from({ length: 10 }, (_, i) => item(i));
    const fake = fakeDeps(items, { throwAfterMove: new Set([items[3]!.itemId, items[7]!.itemId]) });

    // Act
    const answer = await bulkReplayDlq(fake.deps, principal, request(false), limits());

    // Assert: read back, they were ours: every replayed item has exactly one event
    expect(answer).toEqual({ matched: 10, replayed: 10, remaining: false });
    expect(countStates(fake.state)).toEqual({ replayed: 10 });
    expect(fake.sent.map((e) => e.item.itemId).sort()).toEqual(items.map((i) => i.itemId).sort());
  });

  it('goes on past an item whose record cannot be read: it stays pending, the others are replayed, and the failure is reported', async () => {
    // Arrange: item 2's whole record is only in its file, and the file cannot be read
    const items = Array.from({ length: 25 }, (_, i) => item(i, i === 2 ? { payloadTruncated: true } : {}));
    const fake = fakeDeps(items);

    // Act
    const attempt = bulkReplayDlq(fake.deps, principal, request(false), limits());

    // Assert
    await expect(attempt).rejects.toThrow();
    expect(fake.state.get(items[2]!.itemId)).toBe('pending');
    expect(countStates(fake.state)).toEqual({ replayed: 24, pending: 1 });
    expect(fake.sent).toHaveLength(24);
    expect(fake.audit[0]).toMatchObject({ after: { matched: 25, replayed: 24, remaining: true } });
  });

  it('writes one audit entry per action with the filter and the counts', async () => {
    // Arrange
    const fake = fakeDeps(Array.from({ length: 15 }, (_, i) => item(i)));
    // Act
    await bulkDiscardDlq(fake.deps, principal, request(false, { runId: 'r1', from: '2026-11-20' }), limits());
    // Assert
    expect(fake.audit).toEqual([
      expect.objectContaining({
        action: 'dlq.bulk_discarded',
        target: { type: 'dlq', id: expect.stringMatching(/^bulk_/) },
        before: { state: 'pending' },
        after: { state: 'discarded', filter: { runId: 'r1', from: '2026-11-20T00:00:00.000Z' }, matched: 15, discarded: 15, remaining: false },
      }),
    ]);
    expect(fake.audit[0]).not.toHaveProperty('syncId');
  });

  it('needs the ingest scope', async () => {
    const fake = fakeDeps([item(1)]);
    const reader: Principal = { kind: 'key', orgId: 'acme', keyId: 'k2', scopes: ['read'] };
    await expect(bulkReplayDlq(fake.deps, reader, request(true), limits())).rejects.toThrow(/ingest/);
    expect(fake.reads()).toBe(0);
  });
});
