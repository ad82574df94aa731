import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { Command, InvalidArgumentError, Option } from 'commander';
import { findInstance, instanceLine, localSettings, runningInstance, shownDir } from '../../infra/local/instance.ts';
import { ApiError, SyncTrailClient } from './api-client.ts';
import { pushRecords, type ProducerRecord, type PushProgress } from './push-records.ts';

/**
 * `synctrail`: push an NDJSON file as a run, tail recent runs, show a run's failed records,
 * follow one identifier, and run SQL over local mode's data or, with --athena, the deployment's.
 */

interface Out {
  log(line: string): void;
  error(line: string): void;
  /** Progress goes to stderr, redrawn in place on a terminal. */
  progress(line: string, done?: boolean): void;
}

const consoleOut: Out = {
  log: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
  progress: (() => {
    let last = 0;
    return (line: string, done = false) => {
      if (process.stderr.isTTY) {
        process.stderr.write(`\r\u001b[2K${line}${done ? '\n' : ''}`);
      } else if (done || Date.now() - last > 2000) {
        last = Date.now();
        process.stderr.write(`${line}\n`);
      }
    };
  })(),
};

const integer = (name: string, min = 1) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}`);
  return n;
};

const number = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
};

const fmt = new Intl.NumberFormat('en-US');
const pct = (rate: number | null | undefined) => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const MAX_COLUMN_WIDTH = 60;

/**
 * A table printed a few rows at a time (`runs --follow`): every row is padded to the widths of
 * the header above it. Columns only grow; when a row needs a wider one (but the last), the header
 * and its rule are printed again with the new widths, so rows always line up under the latest header.
 */
export class TableWriter {
  private widths: number[] | undefined;

  constructor(private readonly columns: string[]) {}

  /** The lines to print for these rows: the header and rule first when none is out yet, or a column grew. */
  lines(rows: string[][]): string[] {
    const needed = this.columns.map((c, i) => Math.min(MAX_COLUMN_WIDTH, Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length))));
    // Nothing comes after the last column, so a longer cell there shifts nothing.
    const grew = !this.widths || needed.some((w, i) => i < needed.length - 1 && w > this.widths![i]!);
    const widths = (this.widths = needed.map((w, i) => Math.max(w, this.widths?.[i] ?? 0)));
    const line = (cells: string[]) => this.columns.map((_c, i) => (cells[i] ?? '').slice(0, widths[i]).padEnd(widths[i]!)).join('  ').trimEnd();
    return [...(grew ? [line(this.columns), widths.map((w) => '─'.repeat(w)).join('  ')] : []), ...rows.map(line)];
  }
}

/** Columns padded to their widest cell (at most 60 characters). */
export function table(columns: string[], rows: string[][]): string {
  return new TableWriter(columns).lines(rows).join('\n');
}

export function progressBar(fraction: number, width = 28): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/** NDJSON records of a file (gzipped when it ends in .gz), or of stdin for `-`; counts bytes read. */
async function* readRecords(path: string, onBytes: (bytes: number) => void): AsyncGenerator<ProducerRecord> {
  const raw = path === '-' ? process.stdin : createReadStream(path);
  raw.on('data', (chunk: Buffer | string) => onBytes(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length));
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  let lineNumber = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber += 1;
    if (!line.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new Error(`line ${lineNumber} is not valid JSON: ${(error as Error).message}`);
    }
    if (!record || typeof record !== 'object' || Array.isArray(record)) throw new Error(`line ${lineNumber} is not a JSON object (one record per line)`);
    yield record as ProducerRecord;
  }
}

function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const details = Array.isArray(error.details) ? ` (${(error.details as Array<{ path: string; message: string }>).map((d) => `${d.path}: ${d.message}`).join('; ')})` : '';
    return `${error.status ? `${error.status} ` : ''}${error.message}${details}`;
  }
  return error instanceof Error ? error.message : String(error);
}

interface SqlOptions {
  file?: string;
  dataDir?: string;
  json?: boolean;
  athena?: boolean;
  workgroup?: string;
  database?: string;
  outputLocation?: string;
  region?: string;
}

/** What tests replace: the interrupt that stops an Athena query or `runs --follow` (default: Ctrl-C), and the wait between polls. */
export interface CliDeps {
  interrupt?: { signal: AbortSignal; dispose(): void };
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** An AbortSignal that fires on the first Ctrl-C (SIGINT) until disposed. */
function sigint(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** Waits `ms`, or less when the signal fires first. */
const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

const smallUsd = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 });
const usd = (amount: number) => `$${amount >= 0.01 ? amount.toFixed(2) : smallUsd.format(amount)}`;

export function buildCli(out: Out = consoleOut, env: NodeJS.ProcessEnv = process.env, deps: CliDeps = {}): Command {
  const program = new Command('synctrail')
    .description('SyncTrail from the command line: push runs, watch them, and look into failures.')
    .addOption(new Option('--url <url>', "SyncTrail base URL (default: the SyncTrail running on SYNCTRAIL_DATA_DIR's folder, as its lock file says, else http://127.0.0.1:$PORT, PORT as npm start reads it, 4300 unset)").env('SYNCTRAIL_URL'))
    .addOption(new Option('--key <key>', 'API key (ingest to push, read to look)').env('SYNCTRAIL_KEY'))
    .showHelpAfterError()
    .exitOverride();

  /**
   * The SyncTrail to talk to: --url or SYNCTRAIL_URL, else the local one as `npm start` runs it
   * (same PORT and SYNCTRAIL_DATA_DIR; the data folder's lock file says where it listens). Said
   * once on stderr, so piped output stays clean.
   */
  let target: string | undefined;
  const baseUrl = () => {
    if (target) return target;
    const given = program.opts<{ url?: string }>().url?.trim();
    const found = findInstance(given ? { ...env, SYNCTRAIL_URL: given } : env, { urlVar: 'SYNCTRAIL_URL' });
    out.error(instanceLine(found, program.getOptionValueSource('url') === 'cli' ? '--url' : 'SYNCTRAIL_URL'));
    return (target = found.url);
  };

  /** A client for the API; `onStatus` sees the HTTP status of every answer. */
  const client = (onStatus?: (status: number) => void) => {
    const { key } = program.opts<{ key?: string }>();
    if (!key) throw new Error('no key: pass --key or set SYNCTRAIL_KEY');
    const url = baseUrl();
    return new SyncTrailClient({
      baseUrl: url,
      key,
      ...(onStatus ? { fetch: async (input: string | URL | Request, init?: RequestInit) => fetch(input, init).then((response) => (onStatus(response.status), response)) } : {}),
    });
  };

  program
    .command('push')
    .description('push an NDJSON file (one record per line, the batch record shape) as a run of a sync; large batches go by upload')
    .argument('<file>', 'NDJSON file, .ndjson.gz, or - for stdin')
    .requiredOption('-s, --sync <syncId>', 'the sync the run belongs to')
    .option('-r, --run <runId>', 'run id (default: a new one); the same id resumes a push: batches already counted are skipped, the rest sent')
    .option('--batch-size <n>', 'records per batch', integer('batch size'), 10_000)
    .option('--batch-type <type>', 'batch type (file name prefix)', 'records_updated')
    .option('--concurrency <n>', 'batches in flight at once', integer('concurrency'), 2)
    .option('--items-total <n>', 'records the run should have had (missing ones count as failed)', integer('items total', 0))
    .option('--source-count <n>', 'rows extracted from the source: the run shows how many were never reported (unaccountedCount)', integer('source count', 0))
    .option('--dry-run', 'count and show in history, write no row-level files')
    .option('--no-complete', 'leave the run open after the last batch')
    .action(async (file: string, options: { sync: string; run?: string; batchSize: number; batchType: string; concurrency: number; itemsTotal?: number; sourceCount?: number; dryRun?: boolean; complete: boolean }) => {
      if (file !== '-' && !existsSync(file)) throw new Error(`no such file: ${file}`);
      let startStatus = 0;
      const api = client((status) => (startStatus = status));
      const started = await api.call('ingest/start-run', { params: { syncId: options.sync }, body: { ...(options.run ? { runId: options.run } : {}), ...(options.dryRun ? { dryRun: true } : {}) } });
      const runId = started.runId;
      // 200, not 201: the run was there already, so this push resumes it and skips what is counted.
      const resume = startStatus === 200;
      out.error(resume ? `run ${runId} of ${options.sync} resumed${started.status === 'running' ? '' : ` (already ${started.status})`}` : `run ${runId} of ${options.sync} started`);
      const totalBytes = file === '-' ? 0 : statSync(file).size;
      let bytesRead = 0;
      const began = Date.now();
      const draw = (progress: PushProgress, done = false) => {
        const seconds = Math.max(0.001, (Date.now() - began) / 1000);
        const share = totalBytes ? bytesRead / totalBytes : 0;
        const head = totalBytes ? `${progressBar(done ? 1 : share)} ${Math.round((done ? 1 : share) * 100)}% ` : '';
        const notes = [progress.uploads ? `${progress.uploads} by upload` : '', progress.skipped ? `${progress.skipped} already counted` : ''].filter(Boolean).join(', ');
        out.progress(`${head}${fmt.format(progress.records)} records · ${progress.batches} batches${notes ? ` (${notes})` : ''} · ${fmt.format(Math.round(progress.records / seconds))} records/s`, done);
      };
      try {
        const { key } = program.opts<{ key: string }>();
        const result = await pushRecords(readRecords(file, (n) => (bytesRead += n)), {
          baseUrl: baseUrl(),
          key,
          runId,
          batchSize: options.batchSize,
          batchType: options.batchType,
          concurrency: options.concurrency,
          resume,
          onProgress: (p) => draw(p),
        });
        draw(result, true);
        out.log(
          `${fmt.format(result.received)} records in ${result.batches} batches: ${fmt.format(result.succeeded)} succeeded, ${fmt.format(result.failed)} failed` +
            (result.skipped ? ` (${result.skipped} batches already counted, not sent again)` : ''),
        );
      } catch (error) {
        out.error(`push stopped: ${describeError(error)}`);
        if (started.status === 'running') out.error(`the run stays open; fix the cause and resume with: synctrail push ${file} --sync ${options.sync} --run ${runId}`);
        else out.error(`run ${runId} was already ${started.status}; push these records as a new run`);
        process.exitCode = 1;
        return;
      }
      if (!options.complete) return out.log(`run ${runId} left open`);
      const run = await completeWhenWritten(
        () =>
          api.call('ingest/complete-run', {
            params: { runId },
            body: { ...(options.itemsTotal !== undefined ? { itemsTotal: options.itemsTotal } : {}), ...(options.sourceCount !== undefined ? { sourceCount: options.sourceCount } : {}) },
          }),
        (message) => out.log(message),
      );
      out.log(`run ${runId}: ${run.status}, ${fmt.format(run.itemsProcessed)} of ${fmt.format(run.itemsTotal)} processed (${pct(run.coverageRate)})${run.statusMessage ? ` — ${run.statusMessage}` : ''}`);
      if (run.unaccountedCount) out.log(run.unaccountedCount > 0 ? `${fmt.format(run.unaccountedCount)} of ${fmt.format(run.sourceCount!)} rows extracted were never reported` : `${fmt.format(-run.unaccountedCount)} more records reported than the ${fmt.format(run.sourceCount!)} rows extracted`);
    });

  program
    .command('runs')
    .description('recent runs (Sync History), newest last like tail; --follow keeps watching')
    .option('-s, --sync <syncId>', 'only this sync')
    .option('--status <status>', 'running, complete, partial_complete or error')
    .option('--connection <type>', 'connection type, e.g. "Meta Ads"')
    .option('-n, --limit <n>', 'how many', integer('limit'), 20)
    .option('-f, --follow', 'print runs as they start and finish, until interrupted')
    .option('--interval <seconds>', 'how often --follow asks', number, 5)
    .option('--json', 'JSON lines instead of a table')
    .action(async (options: { sync?: string; status?: string; connection?: string; limit: number; follow?: boolean; interval: number; json?: boolean }) => {
      const api = client();
      const query = { limit: options.limit, ...(options.sync ? { syncId: options.sync } : {}), ...(options.status ? { status: options.status as 'error' } : {}), ...(options.connection ? { connectionType: options.connection } : {}) };
      type RunRow = Awaited<ReturnType<typeof api.call<'query/list-runs'>>>['items'][number];
      const cells = (r: RunRow) => [r.startedAt.slice(0, 16).replace('T', ' '), r.entityName, r.destinationName, r.status, `${fmt.format(r.itemsProcessed)}/${fmt.format(r.itemsTotal)}`, pct(r.coverageRate), r.runId, (r.statusMessage ?? '').slice(0, 60)];
      const columns = ['started (UTC)', 'entity', 'destination', 'status', 'processed', 'coverage', 'run', 'message'];
      // One writer for the first page and every followed row, so they line up under one header.
      const writer = new TableWriter(columns);
      const print = (rows: RunRow[]) => {
        if (options.json) for (const r of rows) out.log(JSON.stringify(r));
        else if (rows.length) out.log(writer.lines(rows.map(cells)).join('\n'));
      };
      const first = await api.call('query/list-runs', { query });
      print([...first.items].reverse());
      if (!first.items.length && !options.follow) out.error('no runs');
      if (!options.follow) return;
      const seen = new Map(first.items.map((r) => [r.runId, `${r.status}:${r.itemsTotal}`]));
      // Following ends only with Ctrl-C: stop between asks and exit 130, as an interrupted command does.
      const interrupt = deps.interrupt ?? sigint();
      const sleep = deps.sleep ?? pause;
      try {
        for (;;) {
          await sleep(options.interval * 1000, interrupt.signal);
          if (interrupt.signal.aborted) break;
          const page = await api.call('query/list-runs', { query });
          const changed = page.items.filter((r) => seen.get(r.runId) !== `${r.status}:${r.itemsTotal}`).reverse();
          for (const r of changed) {
            seen.set(r.runId, `${r.status}:${r.itemsTotal}`);
            print([r]);
          }
        }
      } finally {
        interrupt.dispose();
      }
      process.exitCode = 130;
    });

  program
    .command('failed')
    .description("a run's failed records: grouped by message with the fix, then the records")
    .argument('<runId>')
    .option('-n, --limit <n>', 'records to list', integer('limit'), 50)
    .option('--json', 'JSON lines of the records')
    .action(async (runId: string, options: { limit: number; json?: boolean }) => {
      const api = client();
      const run = await api.call('query/get-run', { params: { runId } });
      const records = await api.call('query/list-records', { params: { runId }, query: { status: 'rejected,extraction_failed,invalid', limit: options.limit } });
      if (options.json) {
        for (const record of records.items) out.log(JSON.stringify(record));
        return;
      }
      out.log(`${run.entityName} → ${run.destinationName} (${run.connectionType}), run ${run.runId}: ${run.status}, ${fmt.format(run.itemsFailed)} of ${fmt.format(run.itemsTotal)} failed`);
      if (run.statusMessage) out.log(`  ${run.statusMessage}`);
      const groups = await api.call('query/get-run-errors', { params: { runId } });
      if (groups.items.length) {
        out.log('');
        out.log(table(['count', 'category', 'message', 'how to fix'], groups.items.map((g) => [fmt.format(g.count), g.category, g.statusMessage ?? g.statuses.join(', '), g.resolutionDoc ?? '—'])));
      }
      if (records.items.length) {
        out.log('');
        out.log(table(['identifier', 'status', 'message'], records.items.map((r) => [r.identifier ?? '(none)', r.status, r.statusMessage ?? ''])));
        if (records.nextCursor) out.log(`… more: --limit ${options.limit * 2}, or download them all from the console`);
      }
    });

  program
    .command('timeline')
    .description('one identifier across runs, syncs and destinations, newest first')
    .argument('<identifier>')
    .option('-n, --limit <n>', 'outcomes', integer('limit'), 50)
    .action(async (identifier: string, options: { limit: number }) => {
      const timeline = await client().call('query/get-identifier-timeline', { params: { identifier }, query: { limit: options.limit } });
      if (!timeline.items.length) return out.log(`no outcome for ${identifier} in the records kept`);
      out.log(table(['destination', 'latest', 'message', 'seen', 'ok', 'failed'], timeline.destinations.map((d) => [`${d.destinationName} (${d.entityName})`, d.lastStatus, d.lastStatusMessage ?? '', d.lastSeenAt.slice(0, 16).replace('T', ' '), String(d.counts.success + d.counts.partial), String(d.counts.failed)])));
    });

  program
    .command('sql')
    .description("SQL over local mode's data with DuckDB, or with --athena over the deployment's (tables sync_log and the fact tables either way); ? takes params in order")
    .argument('[query]', 'the SQL, unless --file')
    .argument('[params...]', 'values for ? placeholders')
    .option('--file <file>', 'read the query from a file (e.g. infra/sql/<name>.sql)')
    .option('--data-dir <dir>', 'local mode data folder (default: SYNCTRAIL_DATA_DIR, as npm start reads it, or ./.synctrail)')
    .option('--json', 'JSON lines instead of a table')
    .option('--athena', "run on the deployment's Athena instead of local mode's data")
    .option('--workgroup <name>', 'Athena workgroup (stack output AthenaWorkGroup)', env.SYNCTRAIL_ATHENA_WORKGROUP)
    .option('--database <name>', 'Glue database (stack output AthenaDatabase)', env.SYNCTRAIL_ATHENA_DATABASE)
    .option('--output-location <s3url>', "query results location, if the workgroup does not enforce one (SyncTrail's does)")
    .option('--region <region>', "the stack's region (default: AWS_REGION or your AWS profile's)")
    .action(async (query: string | undefined, params: string[], options: SqlOptions) => {
      const sql = options.file ? readFileSync(options.file, 'utf8') : query;
      const values = options.file && query !== undefined ? [query, ...params] : params;
      if (!sql) throw new Error('give a query, or --file <file.sql>');
      const text = (v: unknown) => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)) : String(v));
      const print = (columns: string[], rows: Array<Record<string, unknown>>) => {
        if (options.json) for (const row of rows) out.log(JSON.stringify(Object.fromEntries(columns.map((c) => [c, text(row[c])]))));
        else {
          out.log(table(columns, rows.map((row) => columns.map((c) => text(row[c])))));
          out.log(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
        }
      };
      if (options.athena) return runOnAthena(sql, values, options, print);
      const dataDir = options.dataDir ? resolve(options.dataDir) : localSettings(env).dataDir;
      const folder = shownDir(dataDir);
      if (!existsSync(dataDir)) throw new Error(`no data folder ${folder}: start SyncTrail with npm start and send a run, or point --data-dir (or SYNCTRAIL_DATA_DIR) at its folder`);
      const running = runningInstance(dataDir);
      out.error(`SQL over data folder ${folder}${running ? ` (SyncTrail running on it: ${running.url ?? 'starting'}, pid ${running.pid})` : ' (no SyncTrail running on it)'}`);
      const { openLocalSql } = await import('../../infra/local/sql-engine.ts');
      const engine = await openLocalSql(dataDir);
      try {
        const { columns, rows } = await engine.run(sql, values);
        // A folder without Sync Logs has nothing to find: say why (on stderr) rather than print
        // (0 rows), or a count of 0 as if runs had been looked at.
        const empty = !engine.hasSyncLogs && (!rows.length || /\bsync_log\b/i.test(sql));
        if (rows.length || !empty) print(columns, rows);
        if (empty) out.error(`no Sync Logs data in ${folder} yet: start SyncTrail with npm start and send a run`);
      } finally {
        engine.close();
      }
    });

  /** `sql --athena`: the same SQL and params on Athena; Ctrl-C stops the query and exits 130. */
  async function runOnAthena(sql: string, values: string[], options: SqlOptions, print: (columns: string[], rows: Array<Record<string, unknown>>) => void) {
    if (!options.workgroup || !options.database) {
      throw new Error('--athena needs --workgroup and --database (or SYNCTRAIL_ATHENA_WORKGROUP and SYNCTRAIL_ATHENA_DATABASE): the stack outputs AthenaWorkGroup and AthenaDatabase');
    }
    const { AthenaClient } = await import('@aws-sdk/client-athena');
    const { runAthenaQuery, QueryStoppedError, MIN_BILLED_BYTES, costOf } = await import('../adapters/athena-query.ts');
    const client = new AthenaClient({ ...(options.region ? { region: options.region } : {}), maxAttempts: 4 });
    const interrupt = deps.interrupt ?? sigint();
    try {
      const result = await runAthenaQuery(client, sql, {
        workGroup: options.workgroup,
        database: options.database,
        ...(options.outputLocation ? { outputLocation: options.outputLocation } : {}),
        params: values,
        signal: interrupt.signal,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
        onStarted: (id) => out.error(`Athena query ${id} started in ${options.workgroup}`),
      });
      print(result.columns, result.rows);
      const billed = result.bytesScanned < MIN_BILLED_BYTES ? ` (Athena bills at least 10 MB: ${usd(costOf(MIN_BILLED_BYTES))})` : '';
      out.error(`scanned ${mb(result.bytesScanned)} (${fmt.format(result.bytesScanned)} bytes): ${usd(result.costUsd)} at $5/TB${billed}`);
    } catch (error) {
      if (!(error instanceof QueryStoppedError)) throw error;
      out.error(`${error.message} (interrupted)`);
      process.exitCode = 130;
    } finally {
      interrupt.dispose();
      client.destroy();
    }
  }

  return program;
}

/**
 * Runs the CLI and answers its exit code, as docs/cli-and-client.md lists them: 0 done (help
 * included), 1 failed (the API's own message printed), 2 wrong usage (no or an unknown command,
 * a bad or missing option), 130 stopped by Ctrl-C (`runs --follow`, `sql --athena`).
 */
export async function main(argv: string[] = process.argv, out: Out = consoleOut, env: NodeJS.ProcessEnv = process.env, deps: CliDeps = {}): Promise<number> {
  const program = buildCli(out, env, deps);
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    // `synctrail help` asks for help (0); `synctrail` alone is help shown because no command was given (usage).
    if (code === 'commander.help') return (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
    if (code?.startsWith('commander.')) return 2;
    out.error(`synctrail: ${describeError(error)}`);
    return 1;
  }
}

/** How long `push` waits for batches still being written (an upload's dead letters, say) before completing. */
export const COMPLETION_WAIT_MS = 10 * 60 * 1000;

/**
 * Completes the run, waiting while the server answers 409 naming batches still being written
 * (a counted upload whose dead-letter items are being stored answers so for a few seconds).
 */
export async function completeWhenWritten<T>(complete: () => Promise<T>, say: (message: string) => void, waitMs = COMPLETION_WAIT_MS, pauseMs = 2000): Promise<T> {
  const until = Date.now() + waitMs;
  let said = false;
  for (;;) {
    try {
      return await complete();
    } catch (error) {
      const waiting = error instanceof ApiError && error.status === 409 ? (error.details as { batches?: unknown[] } | null)?.batches : undefined;
      if (!Array.isArray(waiting) || waiting.length === 0 || Date.now() + pauseMs > until) throw error;
      if (!said) say(`waiting for ${waiting.length} batch${waiting.length === 1 ? '' : 'es'} still being written before completing the run …`);
      said = true;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}
