import { describe, expect, it } from 'vitest';
import { coverageVerdict, type CoveragePoint } from '#domain/coverage.ts';
import { matchesFilter, recordsQuerySchema, toCsv } from '#domain/records.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';

describe('record filters', () => {
  const parse = (query: Record<string, string>) => recordsQuerySchema.parse(query);

  it('reads status lists, aliases and the invalid group', () => {
    expect([...parse({ status: 'Failed,null' }).status!]).toEqual(['rejected', 'NULL']);
    expect([...parse({ status: 'invalid' }).status!]).toEqual(['NULL', 'DUPLICATE']);
    expect(recordsQuerySchema.safeParse({ status: 'rejected,meh' }).success).toBe(false);
  });

  it('matches identifiers exactly, or by prefix with a trailing *', () => {
    const exact = parse({ identifier: 'ana' });
    const prefix = parse({ identifier: 'ana*' });
    const row = (identifier: string | null) => ({ identifier, status: 'succeeded' });
    expect(matchesFilter(row('ana'), exact)).toBe(true);
    expect(matchesFilter(row('anabel'), exact)).toBe(false);
    expect(matchesFilter(row('anabel'), prefix)).toBe(true);
    expect(matchesFilter(row(null), prefix)).toBe(false);
  });
});

describe('CSV export', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    const row = {
      identifier: '=HYPERLINK("x")',
      status: 'rejected',
      status_message: 'bad, "very"\nbad',
      operation: 'upsert',
      reported_status: 'rejected',
      target_id: null,
      entity_type: null,
      event_date: null,
      batch_type: 'records_updated',
      batch_number: 0,
      row_number: 0,
      batch_started_at: new Date('2026-11-20T10:00:00Z'),
      batch_ended_at: new Date('2026-11-20T10:00:01Z'),
      record_payload: '{"a":1}',
    } as unknown as TrackingRow;
    expect(toCsv([row]).split('\r\n')[1]).toBe(
      `"'=HYPERLINK(""x"")",rejected,"bad, ""very""\nbad",upsert,rejected,,,,records_updated,0,0,2026-11-20T10:00:00.000Z,2026-11-20T10:00:01.000Z,"{""a"":1}"`,
    );
  });
});

describe('coverage verdict', () => {
  const point = (coverageRate: number): CoveragePoint => ({ runId: 'r', status: 'partial_complete', coverageRate, executionDate: 'x', belowThreshold: coverageRate < 0.9 });

  it('is low only when the whole window is below the threshold', () => {
    expect(coverageVerdict([point(0.5), point(0.6), point(0.7)], 3)).toEqual({ lowCoverage: true, averageCoverage: 0.6, runsConsidered: 3 });
    expect(coverageVerdict([point(0.5), point(0.95), point(0.7)], 3).lowCoverage).toBe(false);
  });

  it('is not yet low with fewer runs than the window', () => {
    expect(coverageVerdict([point(0.1), point(0.1)], 3).lowCoverage).toBe(false);
    expect(coverageVerdict([], 3)).toEqual({ lowCoverage: false, averageCoverage: null, runsConsidered: 0 });
  });

  it('counts the runs it looked at: fewer than the window when there are fewer, never more', () => {
    expect(coverageVerdict([point(0.5)], 3)).toEqual({ lowCoverage: false, averageCoverage: 0.5, runsConsidered: 1 });
    expect(coverageVerdict([point(0.5), point(0.7), point(0.9), point(1)], 2)).toMatchObject({ runsConsidered: 2, averageCoverage: 0.6 });
  });
});
