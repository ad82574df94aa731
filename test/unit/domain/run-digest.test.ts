import { describe, expect, it } from 'vitest';
import type { RunDigestReader } from '#domain/ports.ts';
import {
  compareIdentifiers,
  diffCounts,
  diffPage,
  mergeDigests,
  runDigestKey,
  type DiffKind,
} from '#domain/run-digest.ts';
import { parseRunDigestKey, RunDigestCollector } from '#domain/run-digest-builder.ts';

/** An in-memory digest of sorted entries, in row groups of `groupRows`; counts the row groups it reads. */
function digestOf(entries: ReadonlyArray<readonly [string, bigint]>, groupRows = 3): RunDigestReader & { reads: number[] } {
  const sorted = [...entries].sort((a, b) => compareIdentifiers(a[0], b[0]));
  const groups: Array<Array<readonly [string, bigint]>> = [];
  for (let i = 0; i < sorted.length; i += groupRows) groups.push(sorted.slice(i, i + groupRows));
  const reads: number[] = [];
  return {
    reads,
    rowGroups: groups.map((g) => ({ rows: g.length, maxIdentifier: g.at(-1)![0] })),
    async readRowGroup(index) {
      reads.push(index);
      return { identifiers: groups[index]!.map((e) => e[0]), hashes: groups[index]!.map((e) => e[1]) };
    },
  };
}

const entries = (ids: string[], hash = 1n) => ids.map((id) => [id, hash] as const);

async function merged(a: RunDigestReader | undefined, b: RunDigestReader | undefined, after?: string) {
  const seen: Array<[DiffKind, string]> = [];
  await mergeDigests(a, b, (kind, id) => (seen.push([kind, id]), true), after);
  return seen;
}

describe('run digest keys', () => {
  it('names a run digest outside sync_tracking_datasets/ and reads it back', () => {
    // Arrange
    const key = runDigestKey('acme', 'sync-1', 'run-2');
    // Act
    const parsed = parseRunDigestKey(key);
    // Assert
    expect(key).toBe('run-digest/acme/sync-1/run-2.parquet');
    expect(parsed).toEqual({ orgId: 'acme', syncId: 'sync-1', runId: 'run-2' });
    expect(parseRunDigestKey('sync_tracking_datasets/acme/s/r/records.0.parquet')).toBeUndefined();
  });
});

describe('compareIdentifiers', () => {
  it('orders by UTF-8 bytes (code points), not UTF-16 code units', () => {
    // U+FF61 is below U+1F600 as a code point (and in UTF-8), above its surrogates as UTF-16.
    expect(compareIdentifiers('\uff61', '😀')).toBeLessThan(0);
    expect('\uff61' < '😀').toBe(false);
    expect(Buffer.compare(Buffer.from('\uff61'), Buffer.from('😀'))).toBeLessThan(0);
    expect(compareIdentifiers('a', 'ab')).toBeLessThan(0);
    expect(compareIdentifiers('b', 'ab')).toBeGreaterThan(0);
    expect(compareIdentifiers('same', 'same')).toBe(0);
  });
});

describe('RunDigestCollector', () => {
  it('keeps who was delivered, with the payload of its latest delivered row', () => {
    // Arrange
    const collector = new RunDigestCollector();
    // Act
    collector.add({ identifier: 'a', status: 'succeeded', record_payload: '{"v":1}' });
    collector.add({ identifier: 'a', status: 'rejected', record_payload: '{"v":2}' }); // a failed retry: still delivered, with v1
    collector.add({ identifier: 'b', status: 'rejected', record_payload: '{}' });
    collector.add({ identifier: 'c', status: 'in_progress', record_payload: '{}' });
    collector.add({ identifier: 'c', status: 'partial_success', record_payload: '{"c":1}' });
    collector.add({ identifier: null, status: 'NULL', record_payload: '{}' });
    collector.add({ identifier: 'd', status: 'DUPLICATE', record_payload: '{}' });
    collector.add({ identifier: 'e', status: 'succeeded', record_payload: '{"v":1}' });
    collector.add({ identifier: 'e', status: 'partially_failed', record_payload: '{"v":3}' });
    const { identifiers, hashes } = collector.sorted();
    // Assert
    expect(identifiers).toEqual(['a', 'c', 'e']);
    const only = new RunDigestCollector();
    only.add({ identifier: 'x', status: 'succeeded', record_payload: '{"v":1}' });
    const v1 = only.sorted().hashes[0];
    expect(hashes[0]).toBe(v1);
    expect(hashes[2]).not.toBe(v1); // e's latest delivered payload is v3
  });
});

describe('mergeDigests', () => {
  it('tells added, removed, changed and unchanged identifiers apart', async () => {
    // Arrange
    const current = digestOf([['a', 1n], ['b', 2n], ['d', 4n], ['e', 9n], ['g', 7n]]);
    const previous = digestOf([['b', 2n], ['c', 3n], ['d', 5n], ['e', 9n], ['f', 6n]]);
    // Act
    const seen = await merged(current, previous);
    // Assert
    expect(seen).toEqual([
      ['added', 'a'],
      ['unchanged', 'b'],
      ['removed', 'c'],
      ['changed', 'd'],
      ['unchanged', 'e'],
      ['removed', 'f'],
      ['added', 'g'],
    ]);
    expect(await diffCounts(current, previous)).toEqual({ added: 2, removed: 2, changed: 1, unchanged: 2 });
  });

  it('counts two equal digests as unchanged, and empty or absent digests as nobody', async () => {
    const same = entries(['x', 'y', 'z', 'zz']);
    expect(await diffCounts(digestOf(same), digestOf(same))).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 4 });
    expect(await diffCounts(digestOf([]), digestOf([]))).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 0 });
    expect(await diffCounts(digestOf(same), undefined)).toEqual({ added: 4, removed: 0, changed: 0, unchanged: 0 });
    expect(await diffCounts(digestOf([]), digestOf(same))).toEqual({ added: 0, removed: 4, changed: 0, unchanged: 0 });
  });

  it('matches equal identifiers that sit in row groups of different boundaries', async () => {
    // Arrange: 100 shared identifiers in groups of 7 on one side, 3 on the other.
    const ids = Array.from({ length: 100 }, (_, i) => `id-${String(i).padStart(3, '0')}`);
    // Act
    const counts = await diffCounts(digestOf(entries(ids), 7), digestOf(entries(ids), 3));
    // Assert
    expect(counts).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 100 });
  });

  it('skips the row groups wholly before `after` unread, and entries up to it', async () => {
    // Arrange
    const ids = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const current = digestOf(entries(ids), 5);
    // Act
    const seen = await merged(current, undefined, 'k12');
    // Assert
    expect(seen.map(([, id]) => id)).toEqual(ids.slice(13));
    expect(current.reads).toEqual([2, 3, 4, 5]);
  });
});

describe('diffPage', () => {
  const current = digestOf(entries(Array.from({ length: 25 }, (_, i) => `n${String(i).padStart(2, '0')}`)), 4);
  const previous = digestOf(entries(['n03', 'n04', 'n07', 'old1', 'old2']), 2);

  it('pages one kind, each page continuing after the last identifier of the one before', async () => {
    // Act
    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = await diffPage(current, previous, 'added', 4, after);
      pages.push(page.identifiers);
      if (!page.more) break;
      after = page.identifiers.at(-1);
    }
    // Assert: 22 added, in pages of 4; a page ending on a row-group edge continues in the next group.
    expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 4, 4, 2]);
    expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, i) => `n${String(i).padStart(2, '0')}`).filter((id) => !['n03', 'n04', 'n07'].includes(id)));
  });

  it('says there is no more when the last page is exactly full', async () => {
    const page = await diffPage(current, previous, 'removed', 2);
    expect(page).toEqual({ identifiers: ['old1', 'old2'], more: false });
    const none = await diffPage(current, previous, 'changed', 10);
    expect(none).toEqual({ identifiers: [], more: false });
  });
});

describe('RunDigestCollector ranks', () => {
  it("keeps each member's latest row by rank, whatever order the rows come in (a row group at a time, a file sorted by identifier)", () => {
    // Arrange
    const inOrder = new RunDigestCollector();
    const shuffled = new RunDigestCollector();
    const rows = [
      { identifier: 'a', status: 'succeeded', record_payload: '{"v":1}', rank: 1 },
      { identifier: 'b', status: 'succeeded', record_payload: '{"v":2}', rank: 2 },
      { identifier: 'a', status: 'succeeded', record_payload: '{"v":3}', rank: 3 },
      { identifier: 'a', status: 'rejected', record_payload: '{"v":4}', rank: 4 },
      { identifier: 'b', status: 'succeeded', record_payload: '{"v":5}', rank: 2 ** 32 + 1 },
    ];

    // Act
    for (const row of rows) inOrder.add(row, row.rank);
    for (const row of [...rows].reverse()) shuffled.add(row, row.rank);

    // Assert: a's delivered row 3 (its rejected row 4 delivered nothing), b's row of the later file
    expect(shuffled.sorted()).toEqual(inOrder.sorted());
    const other = new RunDigestCollector();
    other.add(rows[2]!);
    other.add(rows[4]!);
    expect(inOrder.sorted()).toEqual(other.sorted());
  });
});
