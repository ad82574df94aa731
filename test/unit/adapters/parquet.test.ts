import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parquetMetadata } from 'hyparquet';
import { readParquet } from 'parquet-wasm';
import { tableFromIPC, type Timestamp } from 'apache-arrow';
import { encodeTrackingRows, payloadSchemaOf, ROW_GROUP_ROWS, TrackingParquetFile } from '#adapters/parquet.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';

const dir = mkdtempSync(join(tmpdir(), 'synctrail-parquet-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function row(i: number): TrackingRow {
  return {
    identifier: `user-${i}@example.com`,
    record_payload: JSON.stringify({ n: i, name: `ü${i}` }),
    operation: 'upsert',
    status: i % 7 === 0 ? 'rejected' : 'succeeded',
    status_message: i % 7 === 0 ? 'Invalid email format' : null,
    batch_started_at: new Date('2026-11-20T10:00:00.000Z'),
    batch_ended_at: new Date('2026-11-20T10:05:00.123Z'),
    sync_configuration_id: 's',
    sync_run_id: 'r',
    org_id: 'o',
    workspace_id: null,
    source_object_id: 'seg',
    destination_id: 'dest',
    destination_object_id: null,
    entity_type: null,
    target_id: null,
    instance: null,
    reported_status: null,
    event_date: i % 2 ? new Date(Date.UTC(2026, 10, 19, 23, 30, 0, i % 1000)) : null,
    is_final: false,
    batch_type: 'records_updated',
    batch_number: 0,
    row_number: i,
  };
}

const TIMESTAMP_COLUMNS = ['batch_started_at', 'batch_ended_at', 'event_date'];

describe('tracking parquet files', () => {
  it('annotate every timestamp as TIMESTAMP(isAdjustedToUTC=true, MICROS), the legacy TIMESTAMP_MICROS beside it (what DuckDB writes for TIMESTAMPTZ)', () => {
    // Arrange / Act
    const bytes = encodeTrackingRows([row(1)], { n: ['number'] });
    const { schema } = parquetMetadata(bytes.buffer as ArrayBuffer);
    // Assert
    const timestamps = schema.filter((element) => TIMESTAMP_COLUMNS.includes(element.name));
    expect(timestamps.map((e) => [e.name, e.type, e.converted_type, e.logical_type])).toEqual(
      TIMESTAMP_COLUMNS.map((name) => [name, 'INT64', 'TIMESTAMP_MICROS', { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' }]),
    );
    // No other column carries a timestamp annotation.
    expect(schema.filter((e) => e.converted_type === 'TIMESTAMP_MICROS' || e.logical_type?.type === 'TIMESTAMP').length).toBe(3);
  });

  it('read in Arrow (parquet-wasm) as UTC microsecond timestamps holding the instants written', () => {
    // Arrange
    const rows = [row(1), row(2)];
    // Act
    const table = tableFromIPC(readParquet(encodeTrackingRows(rows)).intoIPCStream());
    // Assert
    for (const name of TIMESTAMP_COLUMNS) {
      const type = table.schema.fields.find((f) => f.name === name)!.type as Timestamp;
      expect([name, String(type), type.timezone]).toEqual([name, 'Timestamp<MICROSECOND, UTC>', 'UTC']);
    }
    expect(table.getChild('batch_ended_at')!.get(0)).toBe(Date.parse('2026-11-20T10:05:00.123Z'));
    expect([...table.getChild('event_date')!].map((v) => (v === null ? null : Number(v)))).toEqual([rows[0]!.event_date!.getTime(), null]);
  });

  it('are the same bytes for the same rows, whether written at once or streamed a row group at a time', async () => {
    // Arrange: two and a half row groups
    const rows = Array.from({ length: ROW_GROUP_ROWS * 2.5 }, (_, i) => row(i));
    const schema = { n: ['number'] as const, name: ['string'] as const, gone: ['null'] as const };
    // Act
    const first = encodeTrackingRows(rows, { ...schema } as never);
    const again = encodeTrackingRows(rows.map((r) => ({ ...r })), { ...schema } as never);
    const path = join(dir, 'streamed.parquet');
    const streamed = new TrackingParquetFile(path);
    for (const r of rows) await streamed.push(r);
    await streamed.finish({ ...schema } as never);
    // Assert
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
    expect(readFileSync(path).equals(Buffer.from(first))).toBe(true);
    expect(parquetMetadata(first.buffer as ArrayBuffer).row_groups.map((g) => Number(g.num_rows))).toEqual([10_000, 10_000, 5_000]);
    expect(payloadSchemaOf(parquetMetadata(first.buffer as ArrayBuffer))).toEqual(schema);
  });
});
