import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbBatchEngine } from '#adapters/duckdb-batch-engine.ts';
import { encodeTrackingRows } from '#adapters/parquet.ts';
import { buildIdentifierIndex } from '#adapters/identifier-index.ts';
import { BatchClassifier } from '#domain/batch.ts';
import type { NativeConversionJob } from '#domain/ports.ts';
import type { Run } from '#domain/run-entity.ts';
import { REPORTED_STATUS_WORDS } from '#domain/statuses.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';
import { lineProblem } from '#domain/uploads.ts';

/**
 * The native writer (DuckDB) against the reference path (zod, BatchClassifier,
 * hyparquet-writer) on the same lines: the same counters, entity counters, payload schema,
 * latest event date and dead-letter rows, and the same rows read back from both files by
 * DuckDB — or the engine declines the batch and the reference path converts it.
 */

// A host in a time zone far from UTC: nothing written may depend on it (the reference path's
// Dates do not; DuckDB's casts of naive timestamps would).
process.env.TZ = 'America/New_York';

const run = {
  orgId: 'org-1',
  syncId: 'sync-1',
  runId: 'run-1',
  operation: 'upsert',
  source: { id: 'crm' },
  destination: { id: 'ads' },
  destinationObject: { id: 'audience-7' },
  workspaceId: 'ws-1',
  instance: 'job-3',
} as unknown as Run;
const batch = { batchType: 'full', batchNumber: 3, startedAt: '2026-12-01T10:00:00.000Z', endedAt: '2026-12-01T10:05:00.000Z' };

let dir: string;
let reader: DuckDBInstance;
const engine = new DuckDbBatchEngine();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synctrail-parity-'));
  reader = await DuckDBInstance.create(':memory:');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;

/** The reference path over the same lines: undefined when a line is invalid (the batch fails). */
function reference(lines: string[], runOf: Run = run) {
  const classifier = new BatchClassifier(batch, runOf);
  const rows: TrackingRow[] = [];
  // As the upload is read: one record per line of the joined text.
  for (const text of lines.join('\n').split('\n')) {
    if (text.trim() === '') continue;
    const problem = lineProblem(text.replace(/\r$/, ''));
    if (typeof problem === 'string') return undefined;
    rows.push(classifier.add(problem.record, rows.length));
  }
  return { rows, ...classifier.summary(), counts: classifier.counts };
}

async function native(lines: string[], options: { gzip?: boolean; runOf?: Run; dryRun?: boolean } = {}) {
  files += 1;
  const source = join(dir, `in-${files}.ndjson${options.gzip ? '.gz' : ''}`);
  const text = lines.join('\n');
  await writeFile(source, options.gzip ? gzipSync(text) : text);
  const target = join(dir, `out-${files}.parquet`);
  const indexTarget = join(dir, `index-${files}.parquet`);
  const job: NativeConversionJob = {
    source,
    gzip: Boolean(options.gzip),
    ...(options.dryRun ? {} : { output: { file: target, index: indexTarget } }),
    batch,
    run: options.runOf ?? run,
    reference: (line) => {
      const problem = lineProblem(line);
      return typeof problem === 'string' ? undefined : { payload: problem.record.payload };
    },
  };
  return { result: await engine.convert(job), target, indexTarget };
}

/** Every column of a parquet file as DuckDB reads it, in row order; timestamps as ISO. */
async function readBack(path: string, order = 'ORDER BY row_number') {
  const connection = await reader.connect();
  const result = await connection.runAndReadAll(`SELECT * FROM read_parquet('${path}') ${order}`);
  connection.closeSync();
  return result.getRowObjectsJson();
}

const iso = (row: TrackingRow) => ({
  ...row,
  batch_started_at: row.batch_started_at.toISOString(),
  batch_ended_at: row.batch_ended_at.toISOString(),
  event_date: row.event_date?.toISOString() ?? null,
});

/** Asserts the engine converted `lines` exactly as the reference path does. */
async function expectParity(lines: string[], options: { gzip?: boolean; runOf?: Run; mayDecline?: boolean } = {}) {
  const expected = reference(lines, options.runOf);
  expect(expected, 'the reference path accepts these lines').toBeDefined();
  const { result, target, indexTarget } = await native(lines, options);
  if ('declined' in result) {
    expect(options.mayDecline, `declined: ${result.declined}`).toBe(true);
    return result;
  }
  expect(result.rows).toBe(expected!.rows.length);
  expect(result.counts).toEqual(expected!.counts);
  expect(result.entityCounts).toEqual(expected!.entityCounts);
  expect(result.payloadFields).toEqual(expected!.payloadFields);
  expect(Object.keys(result.payloadFields)).toEqual(Object.keys(expected!.payloadFields));
  expect(result.maxEventDate).toEqual(expected!.maxEventDate);
  const finals = expected!.rows.filter((row) => row.is_final && ['rejected', 'extraction_failed', 'NULL', 'DUPLICATE'].includes(row.status));
  expect(result.finalFailures.map(iso)).toEqual(finals.map(iso));

  const referenceFile = join(dir, `ref-${files}.parquet`);
  await writeFile(referenceFile, encodeTrackingRows(expected!.rows, expected!.payloadFields));
  expect(await readBack(target)).toEqual(await readBack(referenceFile));
  // Row order itself, not only the rows: the file holds them as the lines came.
  expect((await readBack(target, '')).map((row) => Number(row.row_number))).toEqual(expected!.rows.map((_, i) => i));
  // The identifier index: the same hashes and rows as the reference writer's.
  const referenceIndex = join(dir, `ref-index-${files}.parquet`);
  await writeFile(referenceIndex, buildIdentifierIndex(expected!.rows));
  expect(await readBack(indexTarget, 'ORDER BY identifier_hash, row_number')).toEqual(await readBack(referenceIndex, 'ORDER BY identifier_hash, row_number'));
  return result;
}

const line = (record: Record<string, unknown>) => JSON.stringify(record);

describe('native writer parity with the reference path', () => {
  it('converts every status word, spelled as producers spell them', async () => {
    const words = REPORTED_STATUS_WORDS.flatMap((word) => [word, word.toUpperCase(), ` ${word.replace(/_/g, ' ')} `, word.replace(/_/g, '-')]);
    const lines = words.map((status, i) => line({ identifier: `id-${i}`, status, payload: { i }, ...(i % 3 === 0 ? { final: true, statusMessage: `m${i}` } : {}) }));
    const result = await expectParity(lines);
    expect(result).not.toHaveProperty('declined');
  });

  it('assigns NULL and DUPLICATE, supersedes in-flight records, and counts per entity type', async () => {
    const lines = [
      line({ identifier: 'a', status: 'succeeded', entityType: 'item' }),
      line({ identifier: 'a', status: 'rejected', final: true }),
      line({ identifier: null, status: 'succeeded', final: true }),
      line({ status: 'failed' }),
      line({ identifier: '   ', status: 'succeeded' }),
      line({ identifier: '\u00a0\u2028\u3000', status: 'succeeded', final: true, statusMessage: 'kept' }),
      line({ identifier: 'b', status: 'in_progress', entityType: 'order' }),
      line({ identifier: 'b', status: 'extracting', entityType: 'bp' }),
      line({ identifier: 'b', status: 'failed', final: true, entityType: 'item' }),
      line({ identifier: 'b', status: 'succeeded' }),
      line({ identifier: 'c', status: 'processing' }),
      line({ identifier: 12, status: 'ok'.replace('ok', 'success'), targetId: 99 }),
      line({ identifier: '12', status: 'success', targetId: 't-1' }),
      line({ identifier: -5, status: 'complete', operation: 'delete' }),
      line({ identifier: 'd', status: 'partial failure', final: true, eventDate: '2026-11-30T23:59:59.999+02:00' }),
      line({ identifier: 'e', status: 'partially succeeded', eventDate: '2026-12-01T00:00:00.1234567Z' }),
      line({ identifier: 'f', status: 'succeeded', eventDate: '2026-12-02T00:00:00Z' }),
      line({ identifier: 'g', status: 'failed', eventDate: '2027-01-01T00:00:00Z' }),
    ];
    const result = await expectParity(lines);
    expect(result).not.toHaveProperty('declined');
    expect(await expectParity(lines, { runOf: { ...run, entityType: 'audience_member' } as Run })).not.toHaveProperty('declined');
  });

  it('keeps odd unicode, wide payloads and blank lines exactly, gzip or not', async () => {
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`field_${i}`, i % 2 ? `v${i}` : i]));
    const lines = [
      line({ identifier: 'é', payload: { name: 'Zoë 😀 日本語', rtl: 'שלום', zw: 'a\u200db', ls: 'x\u2028y', del: '\u007f', quote: '"\\/' }, status: 'success' }),
      '',
      '   ',
      line({ identifier: '😀'.repeat(200), payload: wide, status: 'success' }),
      `${line({ identifier: 'crlf', payload: { a: [1, 'two', null, true] }, status: 'success' })}\r`,
      `  ${line({ identifier: 'spaced', payload: {}, status: 'success' })}  `,
      line({ identifier: 'proto', payload: { ['__proto__']: { polluted: true }, constructor: 1 }, status: 'success' }),
      line({ identifier: 'types', payload: { n: null, b: false, s: '', f: 1.5, neg: -0.25, big: 123456789012345, t: [] }, status: 'success' }),
      line({ identifier: 'types2', payload: { n: 'now a string', b: 1, f: [1] }, status: 'success' }),
    ];
    expect(await expectParity(lines)).not.toHaveProperty('declined');
    expect(await expectParity(lines, { gzip: true })).not.toHaveProperty('declined');
  });

  it('writes the payloads JSON.stringify would write: the reference code writes those the engine might print differently', async () => {
    const raw = [
      '{"identifier":"n1","status":"success","payload":{"a":100.0,"b":1e2,"c":1.50,"d":12345678901234567890,"e":1E-7,"f":-0}}',
      '{"identifier":"n2","status":"success","payload":{"b":1,"2":"two","1":"one"}}',
      '{"identifier":"n3","status":"success","payload":{"a":1,"a":"dup"}}',
      '{"identifier":"n4","status":"success","payload":{"deep":{"x":{"y":1,"y":2}},"e":"\\u00e9\\u0001\\b"}}',
      '{"identifier":"n5","status":"success","payload":{"s":"1e5 and 2.0, and NaN and Infinity"}}',
      `{"identifier":"n6","status":"success","payload":{"a":${'['.repeat(30)}${']'.repeat(30)},"b":${'['.repeat(40)}${']'.repeat(40)}}}`,
    ];
    const result = await expectParity(raw);
    expect(result).not.toHaveProperty('declined');
  });

  it('declines what the reference path refuses, so that path reports the lines by number', async () => {
    const good = line({ identifier: 'ok', status: 'success' });
    const refused = [
      '{"identifier":"a","status":"success",}',
      '{"identifier":"a","status":"success","payload":{"x":NaN}}',
      '{"identifier":"a","status":"success","payload":{"x":[1,]}}',
      '{"identifier":"a","status":"success",\r}',
      '{"identifier":"a","status":"constructor"}',
      '{"identifier":"a","status":"__proto__"}',
      '{"identifier":"a","status":"nope"}',
      '{"identifier":"a"}',
      '{"identifier":"a","status":"success","extra":1}',
      '{"identifier":true,"status":"success"}',
      `{"identifier":"${'x'.repeat(1025)}","status":"success"}`,
      '{"identifier":"a","status":"success","payload":null}',
      '{"identifier":"a","status":"success","payload":[1]}',
      '{"identifier":"a","status":"success","operation":"merge"}',
      '{"identifier":"a","status":"success","final":null}',
      '{"identifier":"a","status":"success","entityType":""}',
      '{"identifier":"a","status":"success","eventDate":"2026-02-30T00:00:00Z"}',
      '{"identifier":"a","status":"success","eventDate":"2026-02-01"}',
      '{"identifier":"a","status":"success","statusMessage":7}',
      `{"identifier":"a","status":"success","payload":${'{"a":'.repeat(65)}1${'}'.repeat(65)}}`,
      '[{"identifier":"a","status":"success"}]',
      '{"identifier":"a","status":"success"} {"identifier":"b","status":"success"}',
      '{"identifier":"a",\n"status":"success"}',
      'not json',
    ];
    // A byte order mark: the engine's reader skips it, JSON.parse refuses the first line.
    for (const gzip of [false, true]) {
      const lines = [`\ufeff${good}`, good.replace('ok', 'ok2')];
      expect(reference(lines)).toBeUndefined();
      expect((await native(lines, { gzip })).result).toHaveProperty('declined', 'the upload starts with a byte order mark');
    }
    for (const bad of refused) {
      const lines = [good, bad, good.replace('ok', 'ok2')];
      expect(reference(lines), bad).toBeUndefined();
      const { result } = await native(lines);
      expect(result, bad).toHaveProperty('declined');
    }
  });

  it('converts what it could read differently only as the reference path does (or leaves it to that path)', async () => {
    const cases = [
      [line({ identifier: 'a', status: '\u00a0success\u00a0' })],
      ['{"identifier":"a","status":"success","status":"failed"}'],
      ['{"identifier":1.5,"status":"success"}'],
      ['{"identifier":9007199254740993,"status":"success"}'],
      ['{"identifier":"a","targetId":1e3,"status":"success"}'],
      ['{"identifier":"a","status":"success","payload":{"x":"\\ud800"}}'],
      ['{"identifier":"a","status":"success","payload":{"note":"NaN, Infinity and trailing ,} in text"}}'],
      ['{"identifier": "spaced", "status": "success", "payload": {"a": 1, "b": [1, 2]}}'],
    ];
    for (const lines of cases) {
      expect(reference(lines)?.counts.received, lines[0]).toBe(1);
      await expectParity(lines, { mayDecline: true });
    }
    // Of these, what the engine converts itself (the rest it may leave to the reference path).
    for (const lines of [cases[0]!, cases[6]!, cases[7]!]) expect(await expectParity(lines), lines[0]).not.toHaveProperty('declined');
  });

  it('types every payload field when payloads of different keys have the same types', async () => {
    const lines = [line({ identifier: 'a', status: 'success', payload: { a: 'x' } }), line({ identifier: 'b', status: 'success', payload: { b: 'y' } }), line({ identifier: 'c', status: 'success', payload: { a: 1 } })];
    const result = await expectParity(lines);
    expect(result).toMatchObject({ payloadFields: { a: ['string', 'number'], b: ['string'] } });
  });

  it('leaves NaN and Infinity in any spelling to the reference code, which refuses them', async () => {
    for (const value of ['inf', '-nan', 'INF', 'Infinity', 'NaN', '[inf]', '[1,-Infinity]']) {
      const lines = [line({ identifier: 'a', status: 'success', payload: { x: 1.5 } }), `{"identifier":"b","status":"success","payload":{"x":${value}}}`];
      expect(reference(lines), value).toBeUndefined();
      expect((await native(lines)).result, value).toHaveProperty('declined');
    }
  });

  it('measures lines as the reference path does: one over 1 MiB, spaces included, is declined; one at the limit is converted', async () => {
    const record = (padding: number) => `${' '.repeat(padding)}${line({ identifier: 'long', status: 'success', payload: { s: 'x'.repeat(1000) } })}`;
    const base = record(0).length;
    const atLimit = [record(1024 * 1024 - base)];
    expect(Buffer.byteLength(atLimit[0]!)).toBe(1024 * 1024);
    expect(await expectParity(atLimit)).not.toHaveProperty('declined');
    const over = [record(1024 * 1024 - base + 1)];
    expect(reference(over)).toBeUndefined();
    expect((await native(over)).result).toHaveProperty('declined');
    expect((await native([`${record(1024 * 1024 - base)}\r`])).result).not.toHaveProperty('declined');
  });

  it('leaves a batch with more payloads to check one by one than it keeps in memory to the reference path', async () => {
    const lines = Array.from({ length: 20_001 }, (_, i) => line({ identifier: `n-${i}`, status: 'success', payload: { address: { city: 'Lisbon', zip: `${i}` } } }));
    expect(reference(lines)?.counts.received).toBe(20_001);
    expect((await native(lines)).result).toHaveProperty('declined', '20001 payloads for the reference code to check');
    expect(await expectParity(lines.slice(0, 5_000))).not.toHaveProperty('declined');
  });

  it('agrees on random batches: statuses, identifiers, payloads and fields drawn at random (three seeds)', async () => {
    for (const seed of [1, 7, 42]) {
      let state = seed;
      const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const statuses = [...REPORTED_STATUS_WORDS, 'SUCCESS', ' In Progress ', 'partially-failed', '\u00a0failed'];
      const identifiers = ['a', 'b', 'c', 'é', '😀', '  ', '', 7, -3, 0, null, undefined, 'x'.repeat(300)];
      const payloads = [
        undefined,
        {},
        { email: 'x@y.z', n: 12, ok: true, none: null },
        { n: 'twelve', tags: ['a', 'b'], ltv: 12.5 },
        { nested: { a: 1, b: [1, { c: 2 }] } },
        { big: 12345678901234567000, tiny: 1e-9, whole: 2.0 },
        { '10': 'ten', '2': 'two', z: 'zed' },
        { text: 'line\nbreak\ttab "quoted" \\ back', ctrl: '\u0007' },
      ];
      const lines = Array.from({ length: 3000 }, () => {
        const record: Record<string, unknown> = { status: pick(statuses) };
        const identifier = pick(identifiers);
        if (identifier !== undefined) record.identifier = identifier;
        const payload = pick(payloads);
        if (payload !== undefined) record.payload = payload;
        if (random() < 0.3) record.final = random() < 0.5;
        if (random() < 0.3) record.statusMessage = pick(['boom', 'rate limited', null, 'ünïcode']);
        if (random() < 0.2) record.entityType = pick(['item', 'order', 'bp']);
        if (random() < 0.2) record.eventDate = pick(['2026-11-30T23:59:59.999+02:00', '2026-12-01T00:00:00Z', '2026-12-02T10:00:00.1234567Z']);
        if (random() < 0.1) record.targetId = pick(['t-1', 5, null]);
        if (random() < 0.1) record.operation = pick(['upsert', 'delete', 'create']);
        return line(record);
      });
      expect(await expectParity(lines), `seed ${seed}`).not.toHaveProperty('declined');
    }
  });

  it('writes byte-identical files for the same upload (a retried conversion rewrites the same bytes)', async () => {
    const lines = Array.from({ length: 25_000 }, (_, i) => line({ identifier: `user-${i % 20_000}`, status: i % 7 ? 'success' : 'rejected', final: i % 5 === 0, payload: { i, city: ['Lisbon', 'Oslo'][i % 2] } }));
    const first = await native(lines);
    const second = await native(lines);
    expect(first.result).not.toHaveProperty('declined');
    const [a, b] = await Promise.all([readFile(first.target), readFile(second.target)]);
    expect(a.equals(b)).toBe(true);
    expect(second.result).toEqual(first.result);
  });

  it('only counts on a dry run: no file is written', async () => {
    const lines = [line({ identifier: 'a', status: 'success' }), line({ identifier: 'a', status: 'success' })];
    const { result, target } = await native(lines, { dryRun: true });
    expect(result).toMatchObject({ rows: 2, counts: { received: 2, duplicate: 1 } });
    await expect(readFile(target)).rejects.toThrow(/ENOENT/);
  });
});
