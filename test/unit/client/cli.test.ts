import { describe, expect, it } from 'vitest';
import { completeWhenWritten, TableWriter, table } from '#client/cli.ts';
import { ApiError } from '#client/api-error.ts';

const COLUMNS = ['started (UTC)', 'status', 'run', 'message'];
const row = (status: string, run: string, message = '') => ['2026-11-23 06:00', status, run, message];

/** Where each column of the header line starts. */
const starts = (header: string) => COLUMNS.map((c) => header.indexOf(c));
/** Where each cell of a row starts, found in order. */
const cellStarts = (line: string, cells: string[]) => {
  let from = 0;
  return cells.map((cell) => (from = line.indexOf(cell, from)));
};

describe('TableWriter (runs --follow)', () => {
  it('lines rows printed later up under the header printed first', () => {
    // Arrange
    const writer = new TableWriter(COLUMNS);
    const [header, rule, first] = writer.lines([row('partial_complete', 'run-2026-11-22', 'some failed')]);
    // Act: followed rows, each narrower than the columns
    const followed = [writer.lines([row('running', 'r1')]), writer.lines([row('error', 'r2', 'token expired')])];
    // Assert
    expect(rule).toMatch(/^─+( {2}─+)+$/);
    expect(followed.map((lines) => lines.length)).toEqual([1, 1]);
    expect(cellStarts(first!, row('partial_complete', 'run-2026-11-22', 'some failed'))).toEqual(starts(header!));
    expect(cellStarts(followed[0]![0]!, row('running', 'r1')).slice(0, 3)).toEqual(starts(header!).slice(0, 3));
    expect(cellStarts(followed[1]![0]!, row('error', 'r2', 'token expired'))).toEqual(starts(header!));
  });

  it('needs no new header for a longer last cell: nothing follows it', () => {
    const writer = new TableWriter(COLUMNS);
    const [header] = writer.lines([row('running', 'r1', 'short')]);
    const later = writer.lines([row('error', 'r2', 'a message much longer than the first')]);
    expect(later).toHaveLength(1);
    expect(cellStarts(later[0]!, row('error', 'r2', 'a message'))).toEqual(starts(header!));
  });

  it('prints the header again, wider, when a followed row needs a wider column, and lines up under it', () => {
    // Arrange
    const writer = new TableWriter(COLUMNS);
    writer.lines([row('running', 'r1')]);
    // Act
    const [header, rule, wide, ...rest] = writer.lines([row('partial_complete', 'a-much-longer-run-id', 'x')]);
    const after = writer.lines([row('error', 'r3', 'y')]);
    // Assert
    expect(rest).toEqual([]);
    expect(rule).toMatch(/^─+( {2}─+)+$/);
    expect(cellStarts(wide!, row('partial_complete', 'a-much-longer-run-id', 'x'))).toEqual(starts(header!));
    expect(after).toHaveLength(1);
    expect(cellStarts(after[0]!, row('error', 'r3', 'y'))).toEqual(starts(header!));
  });

  it('prints the header before the first row when the first page was empty', () => {
    const writer = new TableWriter(COLUMNS);
    const lines = writer.lines([row('running', 'r1')]);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^started \(UTC\)\s+status\s+run\s+message$/);
  });

  it('keeps table() as it was: header, rule, rows, cells cut at 60 characters', () => {
    expect(table(['a', 'bb'], [['xyz', 'q'.repeat(70)]])).toBe(['a    bb', `───  ${'─'.repeat(60)}`, `xyz  ${'q'.repeat(60)}`].join('\n'));
  });
});

describe('completeWhenWritten (push completing its run)', () => {
  const waiting = () => new ApiError(409, 'conflict', 'run r has uploads not converted yet', { batches: [{ batchType: 'records_updated', batchNumber: 0, reason: 'converting', until: null }] });

  it('waits while the server names batches still being written, says so once, then completes', async () => {
    const said: string[] = [];
    let calls = 0;
    const run = await completeWhenWritten(async () => (++calls < 3 ? Promise.reject(waiting()) : 'complete'), (m) => said.push(m), 1000, 1);
    expect([run, calls]).toEqual(['complete', 3]);
    expect(said).toEqual(['waiting for 1 batch still being written before completing the run …']);
  });

  it('does not wait on any other error, nor past its limit', async () => {
    await expect(completeWhenWritten(() => Promise.reject(new ApiError(409, 'conflict', 'run r is complete')), () => undefined, 1000, 1)).rejects.toThrow('run r is complete');
    await expect(completeWhenWritten(() => Promise.reject(waiting()), () => undefined, 20, 5)).rejects.toThrow('not converted yet');
  });
});
