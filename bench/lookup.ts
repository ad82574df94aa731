import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createClients } from '#adapters/clients.ts';
import type { Settings } from '#adapters/settings.ts';
import { S3TrackingFiles } from '#adapters/s3-tracking-files.ts';
import { PARQUET_WRITERS } from '#adapters/parquet-writers.ts';
import { identifierIndexKey } from '#domain/identifier-index.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';
import { startLocalStack } from '../infra/local/local-stack.ts';
import { benchRecord } from './records.ts';

/**
 * `node --openssl-legacy-provider --import tsx bench/lookup.ts`: identifier lookups in one
 * 1,000,000-row batch file on local S3 (BENCH_LOOKUP_ROWS), each measurement in a fresh process
 * (cold: no JIT or footer warm; the S3 client has sent one HEAD, as it has in a container that
 * checked the key), through the identifier index and, for the same file
 * without its index, through the bloom filters. Prints the first lookup, the median of 20 more,
 * and the GetObject requests and bytes of the first. The file is kept in BENCH_LOOKUP_DIR
 * (default: a folder in the temp dir) so reruns skip the write.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROWS = Number(process.env.BENCH_LOOKUP_ROWS ?? 1_000_000);
const KEY = 'sync_tracking_datasets/bench/bench-sync/lookup/records_updated.0.parquet';
const PLAIN_KEY = 'sync_tracking_datasets/bench/bench-sync/lookup/records_updated.1.parquet';
const ids = Array.from({ length: 21 }, (_, i) => `user-${Math.floor((((i * 7919) % 997) / 997) * ROWS)}@example.com`);

function trackingRow(i: number, batchNumber: number): TrackingRow {
  const r = benchRecord(i);
  const now = new Date(1_700_000_000_000);
  return {
    identifier: (r.identifier as string | undefined) ?? null, record_payload: JSON.stringify(r.payload), operation: 'upsert', status: r.status, status_message: r.statusMessage ?? null,
    batch_started_at: now, batch_ended_at: now, sync_configuration_id: 'bench-sync', sync_run_id: 'lookup', org_id: 'bench', workspace_id: null, source_object_id: 'src',
    destination_id: 'dst', destination_object_id: null, entity_type: null, target_id: null, instance: null, reported_status: r.status, event_date: null,
    is_final: false, batch_type: 'records_updated', batch_number: batchNumber, row_number: i,
  };
}

/** In a fresh process: one cold lookup, then 20 more; the first one's requests. */
async function child(settings: Settings, key: string, bytes: number) {
  const s3 = createClients(settings).s3;
  const requests: Array<{ key: string; range: string; ms: number; bytes: number }> = [];
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const t = performance.now();
      const result: any = await next(args);
      const input = args.input as { Key: string; Range?: string };
      if (context.commandName === 'GetObjectCommand') requests.push({ key: input.Key.split('/')[0]!, range: input.Range ?? '', ms: performance.now() - t, bytes: Number(result.response?.headers?.['content-length'] ?? 0) });
      return result;
    },
    { step: 'deserialize', name: 'timeGets' },
  );
  const files = new S3TrackingFiles(s3, settings.bucket, PARQUET_WRITERS);
  // The S3 client's first request loads its lazy modules (~50 ms here, under tsx): not the lookup's.
  await s3.send(new HeadObjectCommand({ Bucket: settings.bucket, Key: key }));
  requests.length = 0;
  let t = performance.now();
  const first = await files.findRows(key, ids[0]!, bytes);
  const cold = performance.now() - t;
  if (first.length !== 1) throw new Error(`found ${first.length}`);
  const coldRequests = [...requests];
  const warm: number[] = [];
  for (const id of ids.slice(1)) {
    t = performance.now();
    if ((await files.findRows(key, id, bytes)).length !== 1) throw new Error(`${id} not found`);
    warm.push(performance.now() - t);
  }
  warm.sort((a, b) => a - b);
  console.log(JSON.stringify({ cold, median: warm[10], requests: coldRequests }));
}

async function main() {
  const dir = process.env.BENCH_LOOKUP_DIR ?? join(tmpdir(), `synctrail-lookup-bench-${ROWS}`);
  const fresh = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  const stack = await startLocalStack({ dataDir: dir, port: 0, rootKey: 'str_bench', convertUploads: false });
  try {
    const s3: S3Client = createClients(stack.settings).s3;
    const files = new S3TrackingFiles(s3, stack.settings.bucket, PARQUET_WRITERS);
    const sizes: Record<string, number> = {};
    for (const [key, batchNumber] of [[KEY, 0], [PLAIN_KEY, 1]] as const) {
      const head = fresh ? undefined : await files.head(key);
      if (head) {
        sizes[key] = head.bytes;
        continue;
      }
      const t = performance.now();
      const staged = await files.stageRows();
      for (let i = 0; i < ROWS; i++) await staged.push(trackingRow(i, batchNumber));
      sizes[key] = await staged.commit(key, {});
      await staged.discard();
      process.stderr.write(`wrote ${key} (${ROWS.toLocaleString()} rows, ${sizes[key]!.toLocaleString()} bytes) in ${Math.round(performance.now() - t)} ms\n`);
    }
    // The second file as written before indexes: no index object.
    await s3.send(new DeleteObjectCommand({ Bucket: stack.settings.bucket, Key: identifierIndexKey(PLAIN_KEY) }));
    const index = await files.head(identifierIndexKey(KEY));
    console.log(`batch file ${sizes[KEY]!.toLocaleString()} bytes; identifier index ${index?.bytes.toLocaleString()} bytes (${((index?.bytes ?? 0) / ROWS).toFixed(2)} bytes per identifier)`);
    for (const [label, key] of [['index', KEY], ['bloom filters (no index)', PLAIN_KEY]] as const) {
      for (let run = 0; run < 3; run++) {
        const out = await runChild(stack.settings, key, sizes[key]!);
        const { cold, median, requests } = JSON.parse(out.trim().split('\n').at(-1)!) as { cold: number; median: number; requests: Array<{ key: string; range: string; ms: number; bytes: number }> };
        console.log(`${label}: first ${cold.toFixed(0)} ms, median of 20 more ${median.toFixed(1)} ms; first: ${requests.length} GETs, ${requests.reduce((s, r) => s + r.bytes, 0).toLocaleString()} bytes`);
        if (run === 0) for (const r of requests) console.log(`    ${r.key} ${r.range} ${r.bytes.toLocaleString()} B ${r.ms.toFixed(1)} ms`);
      }
    }
  } finally {
    await stack.close();
  }
}

function runChild(settings: Settings, key: string, bytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', ...(process.env.BENCH_LOOKUP_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_LOOKUP_PROFILE}`] : []), import.meta.filename], {
      env: { ...process.env, BENCH_LOOKUP_CHILD: JSON.stringify({ settings, key, bytes }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
  });
}

if (process.env.BENCH_LOOKUP_CHILD) {
  const { settings, key, bytes } = JSON.parse(process.env.BENCH_LOOKUP_CHILD) as { settings: Settings; key: string; bytes: number };
  await child(settings, key, bytes);
} else {
  await main();
}
