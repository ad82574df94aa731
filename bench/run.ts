import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as zlib from 'node:zlib';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { build } from 'esbuild';
import { pushRecords } from '#client/push-records.ts';
import { TRACKING_COLUMNS } from '#domain/tracking-row.ts';
import { batchRequestSchema } from '#domain/batch.ts';
import { esbuildExternals, ESBUILD_OPTIONS, FUNCTION_ENTRIES } from '../infra/constructs/bundling.ts';
import { startLocalStack } from '../infra/local/local-stack.ts';
import { benchRecords, writeNdjson } from './records.ts';

/**
 * `npm run bench`: SyncTrail's speed and size beside baselines measured in the same run on
 * the same rows. These machines are shared and noisy: read the ratios, not the absolutes.
 * BENCH_UPLOAD_RECORDS and BENCH_INLINE_RECORDS shrink or grow the runs.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const UPLOAD_RECORDS = Number(process.env.BENCH_UPLOAD_RECORDS ?? 1_000_000);
const INLINE_RECORDS = Number(process.env.BENCH_INLINE_RECORDS ?? 200_000);
const ROOT = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'synctrail-bench-'));
const rows: Array<{ metric: string; synctrail: string; baseline: string; ratio: string; target: string; met: string }> = [];
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const row = (metric: string, ours: number, unit: string, base: number | undefined, baseLabel: string, target: string, met: boolean, digits = 0) =>
  rows.push({
    metric,
    synctrail: `${fmt(ours, digits)} ${unit}`,
    baseline: base === undefined ? '—' : `${fmt(base, digits)} ${unit} (${baseLabel})`,
    ratio: base === undefined ? '—' : `${fmt(ours / base, 2)}×`,
    target,
    met: met ? 'yes' : 'NO',
  });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (text: string) => process.stderr.write(`${text}\n`);

async function duckdb() {
  const db = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  return db;
}

/** DuckDB's native JSON → parquet (zstd), one thread: the ingest and size baseline. */
async function duckCopy(ndjson: string, out: string) {
  const db = await duckdb();
  const started = performance.now();
  await db.run(`COPY (SELECT * FROM read_json('${ndjson}')) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
  const ms = performance.now() - started;
  db.closeSync();
  return { ms, bytes: statSync(out).size };
}

async function main() {
  log(`bench: ${UPLOAD_RECORDS.toLocaleString()} records by upload, ${INLINE_RECORDS.toLocaleString()} inline; work dir ${work}`);
  const stack = await startLocalStack({ dataDir: join(work, 'data'), port: 0, rootKey: 'str_bench', convertUploads: false });
  try {
    const call = async (method: string, path: string, key: string, body?: unknown) => {
      const response = await fetch(`${stack.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return response.json() as Promise<any>;
    };
    const key = (await call('POST', '/v1/orgs', 'str_bench', { orgId: 'bench' })).adminKey as string;
    await call('PUT', '/v1/syncs/bench-sync', key, { name: 'bench', syncType: 'audience', operation: 'upsert', source: { id: 'src', type: 'DataWarehouse::Query', name: 'm' }, destination: { id: 'dst', name: 'Meta', connectionType: 'Meta Ads' } });

    // 1. Inline ingest through the local HTTP API, 10k-record batches.
    log('inline ingest …');
    await call('POST', '/v1/syncs/bench-sync/runs', key, { runId: 'inline' });
    let started = performance.now();
    await pushRecords(benchRecords(0, INLINE_RECORDS), { baseUrl: stack.url, key, runId: 'inline', batchSize: 10_000, concurrency: 2 });
    const inlineMs = performance.now() - started;
    const inlineJson = join(work, 'inline.ndjson');
    await writeNdjson(inlineJson, 0, INLINE_RECORDS);
    const inlineDuck = await duckCopy(inlineJson, join(work, 'inline-duck.parquet'));
    const inlineRate = INLINE_RECORDS / (inlineMs / 1000);
    const inlineDuckRate = INLINE_RECORDS / (inlineDuck.ms / 1000);
    row(`ingest inline (${fmt(INLINE_RECORDS)} records)`, inlineRate, 'rec/s', inlineDuckRate, 'DuckDB COPY, 1 thread', 'time ≤ 3× DuckDB', inlineDuckRate / inlineRate <= 3);
    // The floor of the inline path: JSON.parse and the contract's zod check of the very request bodies, nothing else.
    const bodies: string[] = [];
    const all = [...benchRecords(0, INLINE_RECORDS)];
    for (let i = 0; i < all.length; i += 10_000) {
      bodies.push(JSON.stringify({ batchType: 'records_updated', batchNumber: i / 10_000, startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), records: all.slice(i, i + 10_000) }));
    }
    started = performance.now();
    for (const body of bodies) if (!batchRequestSchema.safeParse(JSON.parse(body)).success) throw new Error('bench body refused');
    const floorRate = INLINE_RECORDS / ((performance.now() - started) / 1000);
    row('  of it: JSON.parse + zod of the request bodies alone', floorRate, 'rec/s', inlineDuckRate, 'DuckDB COPY, 1 thread', '—', true);

    // 2. Ingest by upload: the PUT, then the conversion in a process of its own (peak RSS).
    log('upload ingest …');
    await call('POST', '/v1/syncs/bench-sync/runs', key, { runId: 'upload' });
    const uploadJson = join(work, 'upload.ndjson');
    await writeNdjson(uploadJson, 1_000_000_000, UPLOAD_RECORDS);
    const ticket = await call('POST', '/v1/runs/upload/uploads', key, { batchType: 'records_updated', batchNumber: 0, contentEncoding: 'gzip' });
    const gz = gzipSync(readFileSync(uploadJson));
    started = performance.now();
    const put = await fetch(ticket.uploadUrl, { method: 'PUT', body: gz });
    if (!put.ok) throw new Error(`upload PUT failed: ${put.status}`);
    const putMs = performance.now() - started;
    // Asynchronously: this process hosts dynalite and s3rver, which the child talks to.
    const child = await runChild(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', join(ROOT, 'bench', 'convert-child.ts')], {
      ...process.env,
      BENCH_SETTINGS: JSON.stringify(stack.settings),
      BENCH_UPLOAD_KEY: uploadKeyOf(ticket.uploadUrl),
    });
    const conversion = JSON.parse(child.trim().split('\n').at(-1)!) as { outcome: string; ms: number; maxRssMb: number };
    if (conversion.outcome !== 'done') throw new Error(`conversion ended ${conversion.outcome}`);
    const uploadDuck = await duckCopy(uploadJson, join(work, 'upload-duck.parquet'));
    const uploadMs = putMs + conversion.ms;
    const uploadRate = UPLOAD_RECORDS / (uploadMs / 1000);
    const uploadDuckRate = UPLOAD_RECORDS / (uploadDuck.ms / 1000);
    row(`ingest by upload (${fmt(UPLOAD_RECORDS)} records, gzip)`, uploadRate, 'rec/s', uploadDuckRate, 'DuckDB COPY, 1 thread', 'time ≤ 3× DuckDB', uploadDuckRate / uploadRate <= 3);
    row('peak RSS of the conversion', conversion.maxRssMb, 'MB', undefined, '', '≤ 512 MB', conversion.maxRssMb <= 512);

    // The same upload through the reference path alone (zod, JS classification, hyparquet-writer): what the engine replaced.
    log('upload ingest, reference path …');
    await call('POST', '/v1/syncs/bench-sync/runs', key, { runId: 'upload-reference' });
    const referenceTicket = await call('POST', '/v1/runs/upload-reference/uploads', key, { batchType: 'records_updated', batchNumber: 0, contentEncoding: 'gzip' });
    started = performance.now();
    if (!(await fetch(referenceTicket.uploadUrl, { method: 'PUT', body: gz })).ok) throw new Error('upload PUT failed');
    const referencePutMs = performance.now() - started;
    const referenceChild = await runChild(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', join(ROOT, 'bench', 'convert-child.ts')], {
      ...process.env,
      BENCH_SETTINGS: JSON.stringify(stack.settings),
      BENCH_UPLOAD_KEY: uploadKeyOf(referenceTicket.uploadUrl),
      BENCH_REFERENCE: '1',
    });
    const reference = JSON.parse(referenceChild.trim().split('\n').at(-1)!) as { outcome: string; ms: number; maxRssMb: number };
    if (reference.outcome !== 'done') throw new Error(`reference conversion ended ${reference.outcome}`);
    row(`ingest by upload, reference path (${fmt(UPLOAD_RECORDS)} records)`, UPLOAD_RECORDS / ((referencePutMs + reference.ms) / 1000), 'rec/s', uploadDuckRate, 'DuckDB COPY, 1 thread', '—', true);
    row('peak RSS of the reference conversion', reference.maxRssMb, 'MB', undefined, '', '—', true);

    const run = await call('GET', '/v1/runs/upload', key);
    if (run.records.received !== UPLOAD_RECORDS) throw new Error(`counters off: ${run.records.received} of ${UPLOAD_RECORDS}`);
    const parquetPath = join(work, 'data', 's3', stack.settings.bucket, 'sync_tracking_datasets', 'bench', 'bench-sync', 'upload', 'records_updated.0.parquet._S3rver_object');
    const ourBytes = statSync(parquetPath).size;
    // Like for like: the same columns, the payload as JSON text, DuckDB's own zstd defaults.
    const sameColumns = join(work, 'same-columns-duck.parquet');
    const rewrite = await duckdb();
    await rewrite.run(`COPY (SELECT * FROM read_parquet('${parquetPath}')) TO '${sameColumns}' (FORMAT parquet, COMPRESSION zstd)`);
    rewrite.closeSync();
    const sameBytes = statSync(sameColumns).size;
    row('parquet bytes (same columns, payload as JSON text)', ourBytes / 1e6, 'MB', sameBytes / 1e6, 'DuckDB zstd', 'size ≤ 1.3× DuckDB', ourBytes / sameBytes <= 1.3, 2);
    row('parquet bytes (DuckDB infers the payload as columns)', ourBytes / 1e6, 'MB', uploadDuck.bytes / 1e6, 'DuckDB zstd', '—', true, 2);
    // The batch file's identifier index (what the lookups below read first), beside it under identifier-index/.
    const indexBytes = statSync(join(work, 'data', 's3', stack.settings.bucket, 'identifier-index', 'bench', 'bench-sync', 'upload', 'records_updated.0.parquet._S3rver_object')).size;
    row('identifier index bytes (per identifier)', indexBytes / UPLOAD_RECORDS, 'B', undefined, '', '—', true, 2);

    // 3. Identifier lookups in the 1M-record run, through the API (the batch file's identifier index,
    // then the rows it names); DuckDB scanning the same file.
    log('lookups …');
    const ids = Array.from({ length: 21 }, (_, i) => `user-${1_000_000_000 + Math.floor(((i * 7919) % 997) / 997 * UPLOAD_RECORDS)}@example.com`);
    const lookup = async (id: string) => {
      const t = performance.now();
      const body = await call('GET', `/v1/runs/upload/records?identifier=${encodeURIComponent(id)}`, key);
      if (body.items?.length !== 1) throw new Error(`lookup of ${id} found ${body.items?.length}`);
      return performance.now() - t;
    };
    const cold = await lookup(ids[0]!);
    const warm: number[] = [];
    for (const id of ids.slice(1)) warm.push(await lookup(id));
    const db = await duckdb();
    const duckTimes: number[] = [];
    for (const id of ids.slice(0, 6)) {
      const t = performance.now();
      await db.runAndReadAll(`SELECT * FROM read_parquet('${parquetPath}') WHERE identifier = '${id}'`);
      duckTimes.push(performance.now() - t);
    }
    db.closeSync();
    row('identifier lookup, first (cold cache)', cold, 'ms', median(duckTimes), 'DuckDB scan', '≤ 100 ms', cold <= 100);
    row('identifier lookup, median of 20 others', median(warm), 'ms', median(duckTimes), 'DuckDB scan', '≤ 100 ms', median(warm) <= 100, 1);

    // 4. Codecs, on 100k of the same rows as tracking rows.
    log('codecs …');
    codecComparison();
  } finally {
    await stack.close();
  }

  // 5. Lambda bundles: size and cold module initialisation.
  log('bundles …');
  const bundles = await bundleSizes();
  const largest = bundles.reduce((a, b) => (a.bytes > b.bytes ? a : b));
  row(`largest bundle (${largest.fn})`, largest.bytes / 1024, 'KiB', undefined, '', '≤ 1024 KiB', largest.bytes <= 1024 * 1024);
  row('bundle cold init, median of all', median(bundles.map((b) => b.initMs)), 'ms', undefined, '', '—', true, 1);

  printTable(rows);
  console.log('\nBundles (minified ESM, as deployed):');
  printTable(bundles.sort((a, b) => b.bytes - a.bytes).map((b) => ({ function: b.fn, size: `${fmt(b.bytes / 1024)} KiB`, 'cold init': `${fmt(b.initMs, 1)} ms` })));
  console.log('\nCodecs (100,000 tracking rows, one file):');
  printTable(codecRows);
  rmSync(work, { recursive: true, force: true });
}

function runChild(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${args.at(-1)} exited ${code}: ${err}`))));
  });
}

function uploadKeyOf(url: string): string {
  const path = decodeURIComponent(new URL(url).pathname).replace(/^\/[^/]+\//, '');
  return path;
}

const codecRows: Array<Record<string, string>> = [];
function codecComparison() {
  const records = [...benchRecords(0, 100_000)];
  const now = new Date();
  const columns = TRACKING_COLUMNS.map((c) => ({
    name: c.name,
    type: c.type,
    data: records.map((r, i) => ({
      identifier: r.identifier, record_payload: JSON.stringify(r.payload), operation: 'upsert', status: r.status, status_message: r.statusMessage ?? null,
      batch_started_at: now, batch_ended_at: now, sync_configuration_id: 's', sync_run_id: 'r', org_id: 'o', workspace_id: null, source_object_id: 'src',
      destination_id: 'dst', destination_object_id: null, entity_type: null, target_id: null, instance: null, reported_status: r.status, event_date: null,
      is_final: false, batch_type: 'records_updated', batch_number: 0, row_number: i,
    } as Record<string, unknown>)[c.name]) as never,
  }));
  const zstd = (zlib as { zstdCompressSync?: (b: Uint8Array) => Buffer }).zstdCompressSync;
  const codecs: Array<[string, Record<string, unknown>]> = [
    ['SNAPPY (hyparquet-writer default)', { codec: 'SNAPPY' }],
    ['GZIP (node:zlib)', { codec: 'GZIP', compressors: { GZIP: (b: Uint8Array) => zlib.gzipSync(b) } }],
  ];
  if (zstd) codecs.push(['ZSTD (node:zlib, Node ≥ 22.15)', { codec: 'ZSTD', compressors: { ZSTD: (b: Uint8Array) => zstd(b) } }]);
  for (const [name, options] of codecs) {
    const t = performance.now();
    const out = parquetWriteBuffer({ columnData: columns, rowGroupSize: 10_000, ...options } as never);
    codecRows.push({ codec: name, time: `${fmt(performance.now() - t)} ms`, bytes: `${fmt(out.byteLength / 1e6, 2)} MB` });
  }
}

async function bundleSizes() {
  // Inside the project, so a bundle's native modules (external, see NATIVE_MODULES) resolve from its node_modules.
  mkdirSync(join(ROOT, 'node_modules', '.cache', 'synctrail'), { recursive: true });
  const out = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'synctrail', 'bench-bundles-'));
  const fns = FUNCTION_ENTRIES;
  const results: Array<{ fn: string; bytes: number; initMs: number }> = [];
  for (const fn of fns) {
    const file = join(out, `${fn.replace('/', '-')}.mjs`);
    await build({
      entryPoints: [join(ROOT, 'functions', `${fn}.ts`)],
      ...ESBUILD_OPTIONS,
      external: esbuildExternals(fn),
      outfile: file,
      logLevel: 'silent',
    });
    const init = execFileSync(process.execPath, ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`], { encoding: 'utf8' });
    results.push({ fn, bytes: statSync(file).size, initMs: Number(init.trim()) });
  }
  rmSync(out, { recursive: true, force: true });
  return results;
}

function printTable(table: Array<Record<string, string>>) {
  const keys = Object.keys(table[0] ?? {});
  const widths = keys.map((k) => Math.max(k.length, ...table.map((r) => r[k]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(keys));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of table) console.log(line(keys.map((k) => r[k]!)));
}

await main();
