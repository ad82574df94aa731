import { describe, expect, it } from 'vitest';
import type { ReplayEvent } from '#domain/dlq-entity.ts';
import { dlqItemsOf, listReplays, PAYLOAD_PREVIEW_BYTES, REPLAYS_PAGE_PAYLOAD_BYTES, utf8Prefix } from '#domain/dlq.ts';
import type { Principal } from '#domain/keys.ts';
import type { PageRequest } from '#domain/paging.ts';
import type { Deps } from '#domain/ports.ts';
import type { Run } from '#domain/run-entity.ts';
import { trackingFileKey, type TrackingRow } from '#domain/tracking-row.ts';

/** DynamoDB's item size: attribute names plus values, strings in UTF-8 (numbers at their 21-byte most). */
function dynamoItemBytes(item: Record<string, unknown>): number {
  const valueBytes = (value: unknown): number => {
    if (value === null || value === undefined || typeof value === 'boolean') return 1;
    if (typeof value === 'number') return 21;
    if (typeof value === 'string') return Buffer.byteLength(value);
    if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
    return 3 + Object.entries(value as Record<string, unknown>).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k) + valueBytes(v), 0);
  };
  return Object.entries(item).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + valueBytes(v), 0);
}

const run = {
  orgId: 'acme',
  syncId: 'meta',
  runId: 'r1',
  expiresAt: '2026-12-30T00:00:00.000Z',
  recordsExpireAt: '2026-12-14T00:00:00.000Z',
} as Run;

const row = (overrides: Partial<TrackingRow>): TrackingRow =>
  ({
    identifier: 'big',
    record_payload: '{}',
    status: 'rejected',
    status_message: 'Invalid email format',
    is_final: true,
    batch_type: 'records_updated',
    batch_number: 3,
    row_number: 7,
    entity_type: null,
    instance: null,
    ...overrides,
  }) as TrackingRow;

describe('utf8Prefix', () => {
  it('keeps a text that fits whole', () => {
    expect(utf8Prefix('héllo', 6)).toEqual({ text: 'héllo', bytes: 6, truncated: false });
  });

  it.each([
    ['a 2-byte é', 'é', 2],
    ['a 3-byte €', '€', 3],
    ['a 4-byte emoji (a surrogate pair)', '😀', 4],
  ])('never cuts %s in half', (_name, char, width) => {
    // Arrange: the limit falls inside every character but the first.
    const text = 'a'.repeat(10) + char.repeat(5);
    for (let limit = 10; limit <= 10 + 5 * width; limit += 1) {
      // Act
      const cut = utf8Prefix(text, limit);
      // Assert
      const whole = Math.floor((limit - 10) / width);
      expect(cut.text).toBe('a'.repeat(10) + char.repeat(whole));
      expect(Buffer.byteLength(cut.text)).toBeLessThanOrEqual(limit);
      expect(cut.text).not.toContain('\ufffd');
      expect(cut).toMatchObject({ bytes: 10 + 5 * width, truncated: limit < 10 + 5 * width });
    }
  });

  it('cuts a multi-byte character straddling the 4 KiB preview boundary back to the one before', () => {
    // Arrange: '{"s":"' is 6 bytes, so the first '€' (3 bytes) takes bytes 4095 to 4097 and straddles the limit.
    const text = JSON.stringify({ s: `${'x'.repeat(4095 - 6)}€€€` });
    // Act
    const cut = utf8Prefix(text, PAYLOAD_PREVIEW_BYTES);
    // Assert
    expect(Buffer.byteLength(cut.text)).toBe(4095);
    expect(cut.text.endsWith('x')).toBe(true);
    expect(text.startsWith(cut.text)).toBe(true);
  });
});

describe('dlqItemsOf', () => {
  it('keeps a small payload whole', () => {
    const [item] = dlqItemsOf([row({ record_payload: '{"sku":"X-1"}' })], run, '2026-11-29T00:00:00.000Z');
    expect(item).toMatchObject({ payload: '{"sku":"X-1"}', payloadTruncated: false, payloadBytes: 13, rowNumber: 7, fileKey: trackingFileKey('acme', 'meta', 'r1', 'records_updated', 3), recordsExpireAt: run.recordsExpireAt });
  });

  it('bounds the item whatever the record: a 4 KiB preview, the full size and where the record is', () => {
    // Arrange: a 450 KB payload of 3-byte characters, and the longest identifier and message the batch schema allows.
    const payload = JSON.stringify({ blob: '€'.repeat(450_000) });
    const big = row({ record_payload: payload, identifier: '€'.repeat(1024), status_message: '€'.repeat(8192) });
    // Act
    const [item] = dlqItemsOf([big], run, '2026-11-29T00:00:00.000Z');
    // Assert
    expect(item!.payloadTruncated).toBe(true);
    expect(item!.payloadBytes).toBe(Buffer.byteLength(payload));
    expect(Buffer.byteLength(item!.payload)).toBeLessThanOrEqual(PAYLOAD_PREVIEW_BYTES);
    expect(payload.startsWith(item!.payload)).toBe(true);
    const before = dynamoItemBytes({ ...item!, payload, pk: 'ORG#acme#DLQ', sk: `ITEM#${item!.itemId}`, type: 'dlq', ttl: 1, gsi1pk: 'ORG#acme#DLQ', gsi1sk: `x#${item!.itemId}` });
    const after = dynamoItemBytes({ ...item!, pk: 'ORG#acme#DLQ', sk: `ITEM#${item!.itemId}`, type: 'dlq', ttl: 1, gsi1pk: 'ORG#acme#DLQ', gsi1sk: `x#${item!.itemId}` });
    expect(before).toBeGreaterThan(409_600);
    expect(after).toBeLessThan(40 * 1024);
  });

  it('gives a record the same id whatever its payload size (a retry adds it once)', () => {
    const [small] = dlqItemsOf([row({ record_payload: '{}' })], run, 'a');
    const [large] = dlqItemsOf([row({ record_payload: JSON.stringify({ blob: 'x'.repeat(10_000) }) })], run, 'b');
    expect(large!.itemId).toBe(small!.itemId);
  });
});

describe('listReplays', () => {
  const MiB = 1024 * 1024;
  const event = (n: number, payloadBytes: number): ReplayEvent => ({
    eventId: `evt_${n}`,
    orgId: 'acme',
    type: 'dlq.replay',
    at: '2026-11-29T00:00:00.000Z',
    by: 'k',
    item: {
      itemId: `dlq_${n}`,
      syncId: 'meta',
      runId: 'r1',
      batchType: 'records_updated',
      batchNumber: 0,
      rowNumber: n,
      fileKey: 'f',
      identifier: `id-${n}`,
      status: 'rejected',
      statusMessage: null,
      entityType: null,
      instance: null,
      createdAt: '2026-11-29T00:00:00.000Z',
      recordsExpireAt: null,
      payload: null,
      payloadPreview: '{"blob":"',
      payloadTruncated: true,
      payloadBytes,
      payloadAvailable: true,
    },
  });
  const depsWith = (events: ReplayEvent[]) => {
    const calls: PageRequest[] = [];
    const deps = {
      clock: { now: () => new Date('2026-11-29T01:00:00.000Z') },
      events: {
        listReplays: async (_org: string, page: PageRequest) => {
          calls.push(page);
          const from = page.cursor ? Number(page.cursor) : 0;
          const items = events.slice(from, from + page.limit);
          return { items, nextCursor: from + page.limit < events.length ? String(from + page.limit) : null };
        },
      },
      files: {
        // By identifier (`id-n` is row n), as the file's bloom filters find it.
        findRows: async (_key: string, identifier: string) => [{ row_number: Number(identifier.slice(3)), record_payload: JSON.stringify({ n: Number(identifier.slice(3)) }) }],
        readRows: async () => {
          throw new Error('not needed: the record has an identifier');
        },
      },
    } as unknown as Deps;
    return { deps, calls };
  };
  const principal: Principal = { kind: 'key', orgId: 'acme', keyId: 'k', scopes: ['read'] };

  it('answers each event with its whole payload, read from its batch file', async () => {
    const { deps } = depsWith([event(0, 10), event(1, 10)]);
    const page = await listReplays(deps, principal, { limit: 100 });
    expect(page.items.map((e) => e.item.payload)).toEqual([{ n: 0 }, { n: 1 }]);
    expect(page.items[0]!.item).toMatchObject({ payloadTruncated: false, payloadAvailable: true });
    expect(page.items[0]!.item).not.toHaveProperty('payloadPreview');
  });

  it(`ends a page before its payloads pass ${REPLAYS_PAGE_PAYLOAD_BYTES} bytes, and its cursor goes on from there`, async () => {
    // Arrange: 1.5 MiB each, so two fit and the third does not.
    const { deps, calls } = depsWith([0, 1, 2, 3, 4].map((n) => event(n, 1.5 * MiB)));
    // Act
    const first = await listReplays(deps, principal, { limit: 100 });
    const second = await listReplays(deps, principal, { limit: 100, cursor: first.nextCursor! });
    // Assert
    expect(first.items.map((e) => e.eventId)).toEqual(['evt_0', 'evt_1']);
    expect(second.items.map((e) => e.eventId)).toEqual(['evt_2', 'evt_3']);
    expect(calls.map((c) => c.limit)).toEqual([100, 2, 100, 2]);
  });

  it('always answers at least one event, however large', async () => {
    const { deps } = depsWith([event(0, 5 * MiB), event(1, 5 * MiB)]);
    const page = await listReplays(deps, principal, { limit: 100 });
    expect(page.items.map((e) => e.eventId)).toEqual(['evt_0']);
    expect(page.nextCursor).toBe('1');
  });
});
