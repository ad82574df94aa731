/**
 * The crash harness (issue 11, point 6): runs local mode (`npm start`'s command) as a child
 * process, kills it (SIGKILL, from outside or at a named crash point inside), starts it again
 * on the same data folder and port, and checks a run's invariants after completion by
 * reading what is on disk (DuckDB over the parquet objects s3rver keeps) against what the
 * API says (run counters, batch states, dead-letter items).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, expect } from 'vitest';
import { outcomeOf, RECORD_STATUSES } from '#domain/statuses.ts';
import type { BatchRequest } from '#domain/batch.ts';
import { apiClient, createOrgWithKeys, ROOT_KEY, type Api, type ApiResult } from './local-stack.ts';
import { batch, syncConfig, type RecordSpec } from './fixtures.ts';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BUCKET = 'synctrail-tracking';
const START_TIMEOUT_MS = 60_000;
const LOG_LINES_KEPT = 300;

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

let traceStart = Date.now();
/** With SOAK_TRACE=1, prints how long each step of a test took (for keeping the suite fast). */
export function trace(step: string): void {
  if (process.env.SOAK_TRACE) console.log(`[soak ${((Date.now() - traceStart) / 1000).toFixed(1)}s] ${step}`);
}

// ---------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LocalProcess {
  pid: number;
  url: string;
  port: number;
  dataDir: string;
  crashAt: string | undefined;
  /** Resolves when the process has exited, however. */
  exited: Promise<ExitStatus>;
  alive(): boolean;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<ExitStatus>;
  /** The last lines the process printed (stdout and stderr). */
  log(): string;
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Last resort: a worker that dies with children alive takes them along. */
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Local mode's own environment: the parent's, without any SyncTrail or vitest setting. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('SYNCTRAIL_') || name.startsWith('VITEST') || name === 'NODE_OPTIONS' || name === 'PORT') continue;
    env[name] = value;
  }
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return { ...env, ...extra };
}

/**
 * Starts `npm start`'s command (node --openssl-legacy-provider --import tsx infra/local/main.ts)
 * on `dataDir` and `port`, and resolves once it prints `listening on http://127.0.0.1:PORT`.
 * With `crashAt` the process kills itself (SIGKILL) when it reaches that point.
 */
export async function startLocal(options: { dataDir: string; port: number; tmpDir: string; crashAt?: string; timeoutMs?: number }): Promise<LocalProcess> {
  installExitHook();
  const env = childEnv({
    PORT: String(options.port),
    SYNCTRAIL_DATA_DIR: options.dataDir,
    SYNCTRAIL_ROOT_KEY: ROOT_KEY,
    // Staging files of a killed process land in the test's own folder, removed with it.
    TMPDIR: options.tmpDir,
    ...(options.crashAt ? { SYNCTRAIL_CRASH_AT: options.crashAt } : {}),
  });
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', 'infra/local/main.ts'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  const keep = (prefix: string) => {
    let partial = '';
    return (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(`${prefix}${line}`);
        if (lines.length > LOG_LINES_KEPT) lines.shift();
      }
    };
  };
  const onStdout = keep('');
  const onStderr = keep('[stderr] ');
  child.stdout!.on('data', onStdout);
  child.stderr!.on('data', onStderr);
  const exited = new Promise<ExitStatus>((done) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      done({ code, signal });
    });
  });
  const url = `http://127.0.0.1:${options.port}`;
  const proc: LocalProcess = {
    pid: child.pid!,
    url,
    port: options.port,
    dataDir: options.dataDir,
    crashAt: options.crashAt,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    async kill() {
      if (proc.alive()) child.kill('SIGKILL');
      return exited;
    },
    log: () => lines.join('\n'),
  };

  const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS;
  const ready = new Promise<void>((done, fail) => {
    const watch = (chunk: Buffer) => {
      if (chunk.toString('utf8').includes(`listening on ${url}`) || lines.some((l) => l.includes(`listening on ${url}`))) {
        child.stdout!.off('data', watch);
        done();
      }
    };
    child.stdout!.on('data', watch);
    void exited.then((status) => fail(new Error(`local mode exited before listening (${JSON.stringify(status)}):\n${proc.log()}`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`local mode did not print "listening on ${url}" within ${timeoutMs} ms:\n${proc.log()}`)), timeoutMs);
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (error) {
    await proc.kill();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return proc;
}

/**
 * Waits for a process started with `crashAt` to kill itself with SIGKILL. Fails when it exits
 * otherwise, when it is still alive after `timeoutMs`, or as soon as `passedThePoint` says the
 * work that should have crashed finished anyway.
 */
export async function expectCrash(proc: LocalProcess, options: { timeoutMs?: number; passedThePoint?: () => Promise<string | undefined> } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let status: ExitStatus | undefined;
  for (;;) {
    status = await Promise.race([proc.exited, sleep(250).then(() => undefined)]);
    if (status) break;
    const passed = await options.passedThePoint?.().catch(() => undefined);
    if (passed) throw new Error(`SYNCTRAIL_CRASH_AT=${proc.crashAt}: the crash point never fired (${passed})`);
    if (Date.now() > deadline) throw new Error(`SYNCTRAIL_CRASH_AT=${proc.crashAt}: the process was still alive ${options.timeoutMs ?? 60_000} ms later (the crash point never fired)`);
  }
  expect(status, `SYNCTRAIL_CRASH_AT=${proc.crashAt}: the process should kill itself with SIGKILL`).toEqual({ code: null, signal: 'SIGKILL' });
  trace(`pid ${proc.pid} crashed at ${proc.crashAt}`);
}

/** SIGKILLs every process this worker started that is still alive. */
export async function killAllLocal(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
}

// ---------------------------------------------------------------------------------------
// One test's surroundings: a fresh folder, a free port, processes killed afterwards
// ---------------------------------------------------------------------------------------

export interface SoakEnv {
  root: string;
  dataDir: string;
  port: number;
  api: Api;
  /** The processes started so far, the newest last. */
  processes: LocalProcess[];
  start(options?: { crashAt?: string }): Promise<LocalProcess>;
  /** The current process, SIGKILLed from outside. */
  kill(): Promise<ExitStatus>;
  /** Kills what still runs and starts again on the same folder and port, without a crash point. */
  restart(): Promise<LocalProcess>;
}

/**
 * Registers beforeEach/afterEach hooks giving each test a fresh data folder and port; after
 * the test every process it started is SIGKILLed and the folder removed (SOAK_KEEP_DATA=1
 * keeps it). A failing test prints the tail of each process's output.
 */
export function useSoakEnv(): SoakEnv {
  const env = {} as SoakEnv;
  beforeEach(async (context) => {
    traceStart = Date.now();
    const root = mkdtempSync(join(tmpdir(), 'synctrail-soak-'));
    const dataDir = join(root, 'data');
    const tmpDir = join(root, 'tmp');
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(tmpDir, { recursive: true });
    const port = await freePort();
    const processes: LocalProcess[] = [];
    Object.assign(env, {
      root,
      dataDir,
      port,
      api: apiClient(`http://127.0.0.1:${port}`),
      processes,
      async start(options: { crashAt?: string } = {}) {
        const proc = await startLocal({ dataDir, port, tmpDir, ...options });
        processes.push(proc);
        trace(`started pid ${proc.pid}${options.crashAt ? ` with SYNCTRAIL_CRASH_AT=${options.crashAt}` : ''}`);
        return proc;
      },
      async kill() {
        const current = processes.at(-1);
        if (!current) throw new Error('no process to kill');
        const status = await current.kill();
        trace(`killed pid ${current.pid}`);
        return status;
      },
      async restart() {
        await killAllLocal();
        return env.start();
      },
    });
    context.onTestFailed(() => {
      for (const [i, proc] of processes.entries()) {
        console.error(`--- process ${i + 1} (pid ${proc.pid}${proc.crashAt ? `, SYNCTRAIL_CRASH_AT=${proc.crashAt}` : ''}), data in ${dataDir}, last lines:\n${proc.log().split('\n').slice(-60).join('\n')}`);
      }
    });
  });
  afterEach(async () => {
    await killAllLocal();
    if (env.root && !process.env.SOAK_KEEP_DATA) rmSync(env.root, { recursive: true, force: true });
  });
  return env;
}

// ---------------------------------------------------------------------------------------
// What producers send, and what it must count to
// ---------------------------------------------------------------------------------------

export interface Expected {
  received: number;
  failed: number;
  /** Records with `final: true` and a failed status: the dead-letter items. */
  dlq: number;
}

export const addExpected = (a: Expected, b: Expected): Expected => ({ received: a.received + b.received, failed: a.failed + b.failed, dlq: a.dlq + b.dlq });
export const NOTHING: Expected = { received: 0, failed: 0, dlq: 0 };

/**
 * What records a batch holds: `finals` marks failures the producer gave up on (dead-letter
 * items): `true` for half the rejections and every extraction failure, a number k (a
 * multiple of 11) for one rejection in k records; `invalid` adds records without
 * identifier (NULL) and repeats of the first identifier (DUPLICATE).
 */
export interface RecordMix {
  finals?: boolean | number;
  invalid?: boolean;
}

/**
 * `n` records of every kind, deterministic: succeeded, partial, rejected and extraction
 * failures, successes marked final (never dead-lettered) and what `mix` adds. Expected
 * counts are worked out here, independently of the product's classifier.
 */
export function soakRecords(n: number, prefix: string, mix: RecordMix = {}): { specs: RecordSpec[]; expected: Expected } {
  const specs: RecordSpec[] = [];
  const expected = { received: n, failed: 0, dlq: 0 };
  for (let i = 0; i < n; i += 1) {
    const id = `${prefix}-${i}@example.com`;
    const payload = { email: id, ltv: i % 1000, tier: i % 3 === 0 ? 'gold' : 'silver' };
    if (mix.invalid && i % 97 === 5) {
      specs.push({ identifier: null, payload: { email: null, ltv: i % 1000 } });
      expected.failed += 1;
    } else if (mix.invalid && i % 89 === 7) {
      specs.push({ identifier: `${prefix}-0@example.com`, payload });
      expected.failed += 1;
    } else if (i % 11 === 3) {
      const final = mix.finals === true ? i % 2 === 1 : typeof mix.finals === 'number' ? i % mix.finals === 3 : false;
      specs.push({ identifier: id, payload, status: 'rejected', statusMessage: 'Invalid email format', ...(final ? { final } : {}) });
      expected.failed += 1;
      if (final) expected.dlq += 1;
    } else if (i % 13 === 4) {
      const final = mix.finals === true;
      specs.push({ identifier: id, payload, status: 'extraction failed', statusMessage: 'source row vanished', ...(final ? { final } : {}) });
      expected.failed += 1;
      if (final) expected.dlq += 1;
    } else if (i % 23 === 6) {
      specs.push({ identifier: id, payload, status: 'error', statusMessage: '503 Service Unavailable' });
      expected.failed += 1;
    } else if (i % 17 === 2) {
      specs.push({ identifier: id, payload, status: 'partial success' });
    } else if (i % 19 === 9) {
      specs.push({ identifier: id, payload, status: 'Partially-Failed', statusMessage: 'one field not written' });
    } else if (i % 29 === 1) {
      specs.push({ identifier: id, payload, status: 'succeeded', final: true });
    } else {
      specs.push({ identifier: id, payload });
    }
  }
  return { specs, expected };
}

export interface SoakBatch {
  key: string;
  body: BatchRequest;
  expected: Expected;
}

/** An inline batch of `records_updated`, number `n`, of `size` records of every kind. */
export function soakBatch(n: number, size: number, mix: RecordMix = {}, batchType = 'records_updated'): SoakBatch {
  const { specs, expected } = soakRecords(size, `b${n}`, mix);
  const startedAt = new Date(Date.UTC(2026, 10, 20, 10, 0, n)).toISOString();
  const endedAt = new Date(Date.UTC(2026, 10, 20, 10, 0, n + 1)).toISOString();
  return { key: `${batchType}.${n}`, body: batch({ batchType, batchNumber: n, startedAt, endedAt }, specs), expected };
}

export interface SoakUpload {
  key: string;
  batchType: string;
  batchNumber: number;
  /** NDJSON, one record a line. */
  body: Buffer;
  expected: Expected;
}

/** An upload batch of `records_updated`, number `n`, of `size` records of every kind, as NDJSON. */
export function soakUpload(n: number, size: number, mix: RecordMix = {}, batchType = 'records_updated'): SoakUpload {
  const { specs, expected } = soakRecords(size, `u${n}`, mix);
  const lines = batch({}, specs).records.map((record) => JSON.stringify(record));
  return { key: `${batchType}.${n}`, batchType, batchNumber: n, body: Buffer.from(`${lines.join('\n')}\n`), expected };
}

export interface SoakRun {
  orgId: string;
  syncId: string;
  runId: string;
  key: string;
}

/** An org with a producer key, a sync and a started run. */
export async function startRun(api: Api, ids: { orgId?: string; syncId?: string; runId?: string } = {}): Promise<SoakRun> {
  const orgId = ids.orgId ?? 'soak';
  const syncId = ids.syncId ?? 'crm-to-meta';
  const runId = ids.runId ?? 'run-1';
  const { key } = await createOrgWithKeys(api, orgId);
  const sync = await api.put(`/v1/syncs/${syncId}`, key, syncConfig());
  if (sync.status !== 201 && sync.status !== 200) throw new Error(`sync ${syncId}: ${sync.status} ${JSON.stringify(sync.body)}`);
  const run = await api.post(`/v1/syncs/${syncId}/runs`, key, { runId });
  if (run.status !== 201) throw new Error(`run ${runId}: ${run.status} ${JSON.stringify(run.body)}`);
  return { orgId, syncId, runId, key };
}

/** The answer a batch gets, in the shape of POST /v1/runs/{runId}/batches. */
export const answerFor = (b: SoakBatch) => ({
  batchType: b.body.batchType,
  batchNumber: b.body.batchNumber,
  received: b.expected.received,
  failed: b.expected.failed,
});

export type PostOutcome = { ok: true; result: ApiResult } | { ok: false; error: string };

/** Posts a batch; a connection cut by a killed process is an outcome, not an exception. */
export async function postBatch(api: Api, run: SoakRun, b: SoakBatch): Promise<PostOutcome> {
  try {
    return { ok: true, result: await api.post(`/v1/runs/${run.runId}/batches`, run.key, b.body) };
  } catch (error) {
    return { ok: false, error: String((error as Error).cause ?? error) };
  }
}

export interface UploadTicket {
  uploadUrl: string;
  headers: Record<string, string>;
  expiresAt: string;
}

/** POST /v1/runs/{runId}/uploads for a batch not yet counted: a pre-signed URL (201). */
export async function requestUpload(api: Api, run: SoakRun, upload: SoakUpload): Promise<UploadTicket> {
  const ticket = await api.post(`/v1/runs/${run.runId}/uploads`, run.key, { batchType: upload.batchType, batchNumber: upload.batchNumber, startedAt: '2026-11-20T11:00:00Z', endedAt: '2026-11-20T11:05:00Z' });
  expect(ticket.status, `upload ticket for ${upload.key}: ${JSON.stringify(ticket.body)}`).toBe(201);
  return ticket.body as UploadTicket;
}

/** PUTs an upload's NDJSON to a pre-signed URL; insists on 200. */
export async function putUpload(ticket: UploadTicket, upload: SoakUpload): Promise<void> {
  const put = await fetch(ticket.uploadUrl, { method: 'PUT', body: upload.body, headers: ticket.headers });
  expect(put.status, `PUT of ${upload.key}: ${await put.text()}`).toBe(200);
}

/** Asks for a URL and PUTs the object there. */
export async function uploadBatch(api: Api, run: SoakRun, upload: SoakUpload): Promise<UploadTicket> {
  const ticket = await requestUpload(api, run, upload);
  await putUpload(ticket, upload);
  trace(`uploaded ${upload.key} (${upload.expected.received} records)`);
  return ticket;
}

/**
 * A producer sending an upload batch again after a restart, as the client does: asks for a
 * URL; `200` means the batch is already counted; `201` gets the object PUT again; `409`
 * (being converted) is asked again shortly, for up to `timeoutMs`. Answers what it got.
 */
export async function resendUpload(api: Api, run: SoakRun, upload: SoakUpload, timeoutMs = 60_000): Promise<'already_done' | 'uploaded_again'> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ticket = await api.post(`/v1/runs/${run.runId}/uploads`, run.key, { batchType: upload.batchType, batchNumber: upload.batchNumber, startedAt: '2026-11-20T11:00:00Z', endedAt: '2026-11-20T11:05:00Z' });
    if (ticket.status === 200) {
      expect(ticket.body, `upload ${upload.key} answered as done`).toMatchObject({ state: 'done', result: { received: upload.expected.received, failed: upload.expected.failed } });
      return 'already_done';
    }
    if (ticket.status === 201) {
      await putUpload(ticket.body, upload);
      return 'uploaded_again';
    }
    expect(ticket.status, `asking again for upload ${upload.key}: ${JSON.stringify(ticket.body)}`).toBe(409);
    if (Date.now() > deadline) throw new Error(`upload ${upload.key} still answered 409 after ${timeoutMs} ms: ${JSON.stringify(ticket.body)}`);
    await sleep(500);
  }
}

/** GET /v1/runs/{runId}/batches, the batch with this key. */
export async function batchState(api: Api, run: SoakRun, key: string): Promise<any> {
  const { body } = await api.get(`/v1/runs/${run.runId}/batches`, run.key);
  return body.items.find((b: any) => `${b.batchType}.${b.batchNumber}` === key);
}

/** Waits until a batch is `done` (or fails the test when it is `failed` or takes too long). */
export async function waitDone(api: Api, run: SoakRun, key: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = await batchState(api, run, key);
    if (last?.state === 'done') return last;
    if (last?.state === 'failed') throw new Error(`batch ${key} failed: ${JSON.stringify(last)}`);
    await sleep(250);
  }
  throw new Error(`batch ${key} was not done within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
}

export interface Recovery {
  rolledForward: string[];
  abandoned: string[];
  waitedMs: number;
}

/**
 * POST /v1/runs/{runId}/complete, as a producer after a restart: a 409 (batches that could
 * still arrive, uploads being converted again) is retried with a short backoff for up to
 * `timeoutMs`. Answers the last answer and the 409s seen on the way.
 */
export async function completeWithRetry(api: Api, run: SoakRun, timeoutMs = 60_000): Promise<{ result: ApiResult; conflicts: unknown[] }> {
  const deadline = Date.now() + timeoutMs;
  const conflicts: unknown[] = [];
  for (let attempt = 0; ; attempt += 1) {
    const result = await api.post(`/v1/runs/${run.runId}/complete`, run.key);
    if (result.status !== 409 || Date.now() > deadline) return { result, conflicts };
    conflicts.push(result.body);
    await sleep(Math.min(2_000, 100 * 2 ** attempt));
  }
}

/** Completes (retrying 409 for up to 60 s) and insists on a 200 with a final status. */
export async function complete(api: Api, run: SoakRun): Promise<{ body: any; recovery: Recovery | undefined }> {
  const { result, conflicts } = await completeWithRetry(api, run);
  trace(`completed: ${result.status} after ${conflicts.length} conflicts${result.body?.recovery ? `, recovery ${JSON.stringify(result.body.recovery)}` : ''}`);
  expect(result.status, `completion answered ${result.status} ${JSON.stringify(result.body)}; 409s on the way: ${JSON.stringify(conflicts.slice(-3))}`).toBe(200);
  expect(['complete', 'partial_complete']).toContain(result.body.status);
  const recovery = result.body.recovery as Recovery | undefined;
  if (recovery !== undefined) {
    expect(recovery, 'recovery, when present, has rolledForward, abandoned and waitedMs').toEqual({
      rolledForward: expect.any(Array),
      abandoned: expect.any(Array),
      waitedMs: expect.any(Number),
    });
    const both = recovery.rolledForward.filter((k) => recovery.abandoned.includes(k));
    expect(both, 'no batch is both rolled forward and abandoned').toEqual([]);
  }
  return { body: result.body, recovery };
}

// ---------------------------------------------------------------------------------------
// The invariants
// ---------------------------------------------------------------------------------------

/** What one list lacks and has too many of compared with another (the first 20 of each), for short failure messages. */
export function setDiff(actual: string[], expected: string[]): { missing: string[]; extra: string[] } {
  const have = new Map<string, number>();
  for (const k of actual) have.set(k, (have.get(k) ?? 0) + 1);
  const missing: string[] = [];
  for (const k of expected) {
    const n = have.get(k) ?? 0;
    if (n === 0) missing.push(k);
    else have.set(k, n - 1);
  }
  const extra = [...have].flatMap(([k, n]) => Array.from({ length: n }, () => k));
  const head = (list: string[]) => (list.length > 20 ? [...list.slice(0, 20), `… and ${list.length - 20} more`] : list);
  return { missing: head(missing), extra: head(extra) };
}

const FAILED_STATUSES = RECORD_STATUSES.filter((status) => outcomeOf(status) === 'failed');
const sqlList = (values: readonly string[]) => values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
const sqlPath = (path: string) => `'${path.replace(/'/g, "''")}'`;
const OBJECT_SUFFIX = '._S3rver_object';

function listObjects(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? listObjects(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/** The parquet objects of a run as s3rver keeps them: `<dataDir>/s3/<bucket>/<key>._S3rver_object`. */
export function runParquetObjects(dataDir: string, run: SoakRun): Array<{ batchKey: string; path: string }> {
  const folder = join(dataDir, 's3', BUCKET, 'sync_tracking_datasets', run.orgId, run.syncId, run.runId);
  return listObjects(folder)
    .filter((path) => {
      const base = path.slice(path.lastIndexOf(sep) + 1);
      return base.endsWith(`.parquet${OBJECT_SUFFIX}`) && !base.startsWith('.');
    })
    .map((path) => ({ batchKey: relative(folder, path).slice(0, -`.parquet${OBJECT_SUFFIX}`.length), path }))
    .sort((a, b) => a.batchKey.localeCompare(b.batchKey));
}

/** The run's Athena manifests on disk: batch key → the one line each holds. */
export function runManifests(dataDir: string, run: SoakRun): Map<string, string> {
  const folder = join(dataDir, 's3', BUCKET, 'athena', 'sync-log-manifests', run.orgId, run.syncId, run.runId);
  const manifests = new Map<string, string>();
  if (!existsSync(folder)) return manifests;
  for (const path of listObjects(folder)) {
    const base = path.slice(path.lastIndexOf(sep) + 1);
    if (!base.endsWith(`.manifest${OBJECT_SUFFIX}`) || base.startsWith('.')) continue;
    manifests.set(relative(folder, path).slice(0, -`.manifest${OBJECT_SUFFIX}`.length), readFileSync(path, 'utf8'));
  }
  return manifests;
}

export interface RunFacts {
  run: any;
  batches: any[];
  /** Batch key → rows of its file. */
  files: Map<string, number>;
  doneKeys: string[];
  received: number;
  failed: number;
  dlqKeys: string[];
}

async function allDlqItems(api: Api, run: SoakRun): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page += 1) {
    const query = new URLSearchParams({ syncId: run.syncId, limit: '1000', ...(cursor ? { cursor } : {}) });
    const answer = await api.get(`/v1/dlq?${query}`, run.key);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    items.push(...answer.body.items);
    cursor = answer.body.nextCursor ?? undefined;
    if (!cursor) return items;
  }
  throw new Error('the dead-letter queue did not end after 1000 pages');
}

/**
 * The invariants of "What a crash gets", checked on a completed run against the files on
 * disk:
 * - every parquet object in the run folder opens with DuckDB (no torn file), and holds only
 *   its own batch's rows, numbered 0..n-1 once each;
 * - the files are exactly the batches `done` in GET /v1/runs/{id}/batches (no orphan, no
 *   counted batch without a file), and `batchCount` is their number; each done batch's
 *   counts are its file's;
 * - records.received = rows in the files; records.failed = rows of a failed status;
 *   itemsTotal ≥ received; itemsProcessed = received - failed;
 * - the run's dead-letter items are exactly the rows with is_final and a failed status,
 *   each once.
 * With `expected`, the counts must also equal exactly what the producer sent.
 */
export async function checkRunInvariants(api: Api, dataDir: string, run: SoakRun, expected?: Expected & { batches: string[] }): Promise<RunFacts> {
  trace('checking invariants');
  const runAnswer = await api.get(`/v1/runs/${run.runId}`, run.key);
  expect(runAnswer.status, JSON.stringify(runAnswer.body)).toBe(200);
  const runBody = runAnswer.body;
  const batchesAnswer = await api.get(`/v1/runs/${run.runId}/batches`, run.key);
  expect(batchesAnswer.status, JSON.stringify(batchesAnswer.body)).toBe(200);
  const batches: any[] = batchesAnswer.body.items;
  const doneKeys = batches.filter((b) => b.state === 'done').map((b) => `${b.batchType}.${b.batchNumber}`).sort();

  const objects = runParquetObjects(dataDir, run);
  const files = new Map<string, number>();
  const fileFailed = new Map<string, number>();
  const torn: string[] = [];
  const misplaced: string[] = [];
  const dlqRows: string[] = [];
  let received = 0;
  let failed = 0;
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    for (const { batchKey, path } of objects) {
      let stats: Record<string, any>;
      try {
        const result = await duck.runAndReadAll(`
          SELECT count(*)::BIGINT AS n,
                 count(*) FILTER (WHERE status IN (${sqlList(FAILED_STATUSES)}))::BIGINT AS failed,
                 count(DISTINCT row_number)::BIGINT AS distinct_rows,
                 coalesce(min(row_number), 0)::BIGINT AS min_row,
                 coalesce(max(row_number), -1)::BIGINT AS max_row,
                 count(*) FILTER (WHERE batch_type || '.' || batch_number::VARCHAR <> ${sqlList([batchKey])} OR sync_run_id <> ${sqlList([run.runId])})::BIGINT AS foreign_rows
          FROM read_parquet(${sqlPath(path)})`);
        stats = result.getRowObjectsJS()[0]!;
      } catch (error) {
        torn.push(`${batchKey}: ${(error as Error).message.split('\n')[0]}`);
        continue;
      }
      const n = Number(stats.n);
      if (Number(stats.foreign_rows) > 0 || Number(stats.distinct_rows) !== n || Number(stats.min_row) !== 0 || Number(stats.max_row) !== n - 1) {
        misplaced.push(`${batchKey}: ${JSON.stringify(stats, (_, v) => (typeof v === 'bigint' ? Number(v) : v))}`);
      }
      files.set(batchKey, n);
      fileFailed.set(batchKey, Number(stats.failed));
      received += n;
      failed += Number(stats.failed);
      const finals = await duck.runAndReadAll(`
        SELECT batch_type || '.' || batch_number::VARCHAR || '#' || row_number::VARCHAR AS k
        FROM read_parquet(${sqlPath(path)})
        WHERE is_final AND status IN (${sqlList(FAILED_STATUSES)})`);
      dlqRows.push(...finals.getRowObjectsJS().map((r) => String(r.k)));
    }
  } finally {
    duck.closeSync();
  }

  expect(torn, 'every parquet object opens with DuckDB (no torn file)').toEqual([]);
  expect(misplaced, "each file holds its own batch's rows, numbered 0..n-1 once each").toEqual([]);
  const fileKeys = [...files.keys()].sort();
  expect(setDiff(fileKeys, doneKeys), 'the parquet files are exactly the done batches (extra: orphan files; missing: counted batches without a file)').toEqual({ missing: [], extra: [] });
  expect(runBody.batchCount, 'batchCount is the number of parquet files').toBe(files.size);
  // Athena reads the run through its manifests: one per counted batch, each naming its own file.
  const manifests = runManifests(dataDir, run);
  expect(setDiff([...manifests.keys()].sort(), doneKeys), 'the Athena manifests are exactly the done batches').toEqual({ missing: [], extra: [] });
  for (const [batchKey, line] of manifests) {
    expect(line, `manifest of ${batchKey}`).toBe(`s3://${BUCKET}/sync_tracking_datasets/${run.orgId}/${run.syncId}/${run.runId}/${batchKey}.parquet\n`);
  }
  const countsOff = batches
    .filter((b) => b.state === 'done' && files.has(`${b.batchType}.${b.batchNumber}`))
    .filter((b) => b.received !== files.get(`${b.batchType}.${b.batchNumber}`) || b.failed !== fileFailed.get(`${b.batchType}.${b.batchNumber}`))
    .map((b) => `${b.batchType}.${b.batchNumber}: says ${b.received}/${b.failed}, file has ${files.get(`${b.batchType}.${b.batchNumber}`)}/${fileFailed.get(`${b.batchType}.${b.batchNumber}`)}`);
  expect(countsOff, "each done batch's received/failed are its file's").toEqual([]);
  expect(runBody.records.received, 'records.received = rows in the parquet files').toBe(received);
  expect(runBody.records.failed, 'records.failed = rows of a failed status (rejected, extraction_failed, NULL, DUPLICATE)').toBe(failed);
  expect(runBody.itemsTotal, 'itemsTotal ≥ records received').toBeGreaterThanOrEqual(received);
  expect(runBody.itemsProcessed, 'itemsProcessed = received - failed').toBe(received - failed);
  expect(runBody.itemsFailed, 'itemsFailed = itemsTotal - itemsProcessed').toBe(runBody.itemsTotal - runBody.itemsProcessed);

  trace('files read');
  const items = (await allDlqItems(api, run)).filter((item) => item.runId === run.runId);
  const itemKeys = items.map((item) => `${item.batchType}.${item.batchNumber}#${item.rowNumber}`).sort();
  const byId = new Map<string, any[]>();
  for (const item of items) byId.set(item.itemId, [...(byId.get(item.itemId) ?? []), item]);
  const twice = [...byId.values()]
    .filter((copies) => copies.length > 1)
    .map((copies) => `${copies[0].itemId} (${copies[0].batchType}.${copies[0].batchNumber}#${copies[0].rowNumber}) ×${copies.length}, createdAt ${copies.map((c) => c.createdAt).join(' / ')}`);
  expect(twice.slice(0, 20), `each dead-letter item once (${twice.length} item ids listed more than once)`).toEqual([]);
  expect(setDiff(itemKeys, dlqRows), 'dead-letter items = rows with is_final and a failed status (missing: rows without an item; extra: items without a row)').toEqual({ missing: [], extra: [] });

  trace('invariants checked');
  if (expected) {
    expect(setDiff(fileKeys, expected.batches), 'every batch sent is counted, once').toEqual({ missing: [], extra: [] });
    expect({ received, failed, dlq: items.length }, 'counts equal exactly what was sent').toEqual({ received: expected.received, failed: expected.failed, dlq: expected.dlq });
    expect(runBody.itemsTotal).toBe(expected.received);
  }
  return { run: runBody, batches, files, doneKeys, received, failed, dlqKeys: itemKeys };
}

/** The expected totals of a set of batches (and uploads), for `checkRunInvariants`. */
export function expectedOf(parts: Array<{ key: string; expected: Expected }>): Expected & { batches: string[] } {
  return { ...parts.reduce((sum, p) => addExpected(sum, p.expected), NOTHING), batches: parts.map((p) => p.key) };
}
