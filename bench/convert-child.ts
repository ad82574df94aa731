import { createDeps } from '#adapters/deps.ts';
import { PARQUET_WRITERS } from '#adapters/parquet-writers.ts';
import { DuckDbBatchEngine } from '#adapters/duckdb-batch-engine.ts';
import type { Settings } from '#adapters/settings.ts';
import { convertUpload } from '#domain/uploads.ts';

/**
 * Converts one upload in a process of its own, as a Lambda would — with the native engine,
 * as the deployed converter does, or with the reference path alone (BENCH_REFERENCE=1) —
 * and reports the time and this process's peak resident memory.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const settings = JSON.parse(process.env.BENCH_SETTINGS!) as Settings;
const deps = createDeps(settings, undefined, undefined, { writers: PARQUET_WRITERS });
if (process.env.BENCH_REFERENCE !== '1') deps.batchEngine = new DuckDbBatchEngine();
const started = performance.now();
const outcome = await convertUpload(deps, process.env.BENCH_UPLOAD_KEY!);
const ms = performance.now() - started;
console.log(JSON.stringify({ outcome, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
