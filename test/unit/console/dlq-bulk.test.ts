import { describe, expect, it } from 'vitest';
import { bulkResultText, MAX_BULK_REQUESTS, runBulk } from '../../../console/src/dlq-bulk.ts';

describe('runBulk', () => {
  it('sends the real action again while matching items remain, adding up the answers', async () => {
    // Arrange
    const answers = [
      { matched: 1000, replayed: 1000, remaining: true },
      { matched: 1000, replayed: 990, remaining: true },
      { matched: 12, replayed: 12, remaining: false },
    ];
    const bodies: unknown[] = [];
    // Act
    const totals = await runBulk(async (body) => (bodies.push(body), answers.shift()!), { syncId: 'meta' });
    // Assert
    expect(totals).toEqual({ matched: 2012, moved: 2002, remaining: false });
    expect(bodies).toEqual(Array(3).fill({ filter: { syncId: 'meta' }, dryRun: false }));
  });

  it('stops when a request moves nothing (another holds the rest) and after MAX_BULK_REQUESTS', async () => {
    let calls = 0;
    const stuck = await runBulk(async () => ((calls += 1), { matched: 5, discarded: 0, remaining: true }), { syncId: 'meta' });
    expect(stuck).toEqual({ matched: 5, moved: 0, remaining: true });
    expect(calls).toBe(1);
    calls = 0;
    const endless = await runBulk(async () => ((calls += 1), { matched: 1000, discarded: 1000, remaining: true }), { syncId: 'meta' });
    expect(calls).toBe(MAX_BULK_REQUESTS);
    expect(endless.remaining).toBe(true);
  });
});

describe('bulkResultText', () => {
  it('says what was done, what others took, and whether to run it again', () => {
    expect(bulkResultText('replay', { matched: 3, moved: 3, remaining: false })).toBe('3 records replayed: the producer receives a replay event for each.');
    expect(bulkResultText('discard', { matched: 1200, moved: 1, remaining: true })).toBe('1 record discarded. 1,199 records had already been acted on by someone else. Some matching records remain: run it again.');
    expect(bulkResultText('replay', { matched: 0, moved: 0, remaining: false })).toBe('No record was replayed.');
  });
});
