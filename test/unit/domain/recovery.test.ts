import { describe, expect, it } from 'vitest';
import { boundedEntityCounts, MAX_ENTITY_TYPES_PER_RUN, OTHER_ENTITY_TYPES, tallyBatches } from '#domain/batch.ts';
import type { BatchRecord } from '#domain/batch-entity.ts';
import { writerIsDead } from '#domain/deadlines.ts';

const counts = (received: number, failed = 0) => ({ received, succeeded: received - failed, partial: 0, failed, null: 0, duplicate: 0 });

function batch(overrides: Partial<BatchRecord>): BatchRecord {
  return {
    orgId: 'o',
    runId: 'r',
    batchKey: 'records_updated.0',
    batchType: 'records_updated',
    batchNumber: 0,
    state: 'done',
    counts: counts(0),
    entityCounts: {},
    createdAt: '2026-11-20T10:00:00.000Z',
    expiresAt: '2026-12-04T10:00:00.000Z',
    ...overrides,
  };
}

describe('writerIsDead', () => {
  const claim = { state: 'writing', createdAt: '2026-11-20T10:00:00.000Z', claimedAt: '2026-11-20T10:00:00.000Z', writeDeadline: '2026-11-20T10:01:00.000Z' };

  it('is alive until its deadline, dead from then on', () => {
    expect(writerIsDead(claim, new Date('2026-11-20T10:00:59.999Z'), {})).toBe(false);
    expect(writerIsDead(claim, new Date('2026-11-20T10:01:00.000Z'), {})).toBe(true);
  });

  it('is dead at once when it claimed before this process started (local mode)', () => {
    expect(writerIsDead(claim, new Date('2026-11-20T10:00:01.000Z'), { writersAliveSince: '2026-11-20T10:00:00.500Z' })).toBe(true);
    expect(writerIsDead(claim, new Date('2026-11-20T10:00:01.000Z'), { writersAliveSince: '2026-11-20T09:00:00.000Z' })).toBe(false);
  });

  it('has no writer to be dead when nothing claimed the batch yet (an upload awaited)', () => {
    expect(writerIsDead({ state: 'pending', source: 'upload', createdAt: '2026-01-01T00:00:00.000Z' }, new Date('2030-01-01T00:00:00.000Z'), { writersAliveSince: '2029-01-01T00:00:00.000Z' })).toBe(false);
  });

  it('judges a claim stored before claims had times by when it was created, with the deadline of its kind', () => {
    const legacy = { state: 'writing', source: 'inline' as const, createdAt: '2026-11-20T10:00:00.000Z' };
    expect(writerIsDead(legacy, new Date('2026-11-20T10:00:59.000Z'), {})).toBe(false);
    expect(writerIsDead(legacy, new Date('2026-11-20T10:01:00.000Z'), {})).toBe(true);
    expect(writerIsDead({ ...legacy, source: 'upload' }, new Date('2026-11-20T10:05:00.000Z'), {})).toBe(false);
  });
});

describe('tallyBatches', () => {
  it('adds up done batches only: counts, entity counts, batch count, latest event date', () => {
    const tally = tallyBatches([
      batch({ batchKey: 'a.0', counts: counts(10, 2), entityCounts: { 'item|received': 10 }, maxEventDate: '2026-11-20T09:00:00.000Z' }),
      batch({ batchKey: 'a.1', counts: counts(5), entityCounts: { 'item|received': 5, 'bp|received': 0 }, maxEventDate: '2026-11-20T11:00:00.000Z' }),
      batch({ batchKey: 'a.2', state: 'writing', counts: counts(100) }),
      batch({ batchKey: 'a.3', state: 'failed', counts: counts(100) }),
    ]);
    expect(tally).toEqual({
      counts: { received: 15, succeeded: 13, partial: 0, failed: 2, null: 0, duplicate: 0, inFlight: 0, superseded: 0 },
      entityCounts: { 'item|received': 15, 'bp|received': 0 },
      batchCount: 2,
      maxEventDate: '2026-11-20T11:00:00.000Z',
    });
  });
});

describe('boundedEntityCounts', () => {
  it('keeps every type while there are few', () => {
    const few = { 'item|received': 3, 'item|succeeded': 3, 'bp|received': 1, 'bp|failed': 1 };
    expect(boundedEntityCounts(few)).toEqual(few);
  });

  it('keeps the types with the most records and adds up the rest under (other), losing no count', () => {
    const many: Record<string, number> = {};
    for (let i = 0; i < 300; i += 1) {
      many[`type${i}|received`] = i + 1;
      many[`type${i}|failed`] = 1;
    }
    const bounded = boundedEntityCounts(many);
    const types = new Set(Object.keys(bounded).map((key) => key.slice(0, key.lastIndexOf('|'))));
    expect(types.size).toBe(MAX_ENTITY_TYPES_PER_RUN);
    expect(types.has('type299')).toBe(true);
    expect(types.has('type0')).toBe(false);
    const sum = (counters: Record<string, number>, field: string) => Object.entries(counters).filter(([k]) => k.endsWith(`|${field}`)).reduce((s, [, v]) => s + v, 0);
    expect(sum(bounded, 'received')).toBe(sum(many, 'received'));
    expect(sum(bounded, 'failed')).toBe(300);
    expect(bounded[`${OTHER_ENTITY_TYPES}|failed`]).toBe(300 - (MAX_ENTITY_TYPES_PER_RUN - 1));
  });
});
