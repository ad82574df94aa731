import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createDeps, systemClock } from '#adapters/deps.ts';
import { PARQUET_WRITERS } from '#adapters/parquet-writers.ts';
import { DEFAULT_RETENTION_DAYS, type Settings } from '#adapters/settings.ts';
import { INDEXES, TABLE_KEYS } from '#adapters/dynamodb/table.ts';
import type { Clock, Deps } from '#domain/ports.ts';
import { errorBody } from '#http/api-handler.ts';
import { bearerToken } from '#domain/keys.ts';
import { refreshFactTables } from '#domain/facts.ts';
import { checkFreshness } from '#domain/alerts.ts';
import { sweepStuckDeliveries } from '#domain/webhooks.ts';
import { DirectNotifier } from '#adapters/notifier.ts';
import { DuckDbBatchEngine } from '../../shared/adapters/duckdb-batch-engine.ts';
import { makeHandler as convertHandler, uploadKeysOf, type ObjectCreatedEvent } from '../../functions/ingest/convert-upload.ts';
import { ROUTES } from '../../functions/routes.ts';
import { makeHandler as ingestApi } from '../../functions/api/ingest.ts';
import { makeHandler as queryApi } from '../../functions/api/query.ts';
import { makeHandler as adminApi } from '../../functions/api/admin.ts';
import { buildConsole } from '../../console/build.ts';
import { createLocalServer, type LocalRoute } from './http-server.ts';
import { startLocalS3, type LocalS3 } from './local-s3.ts';
import { installCrashPoint, parseCrashAt } from './crash-points.ts';
import { recoverInFlightBatches } from './recover.ts';
import type { InProcessConversionQueue } from '#adapters/conversion-queue.ts';
import { loadDemo } from './demo-data.ts';
import { LOCAL_INSTANCE_PATH } from './instance.ts';

export interface LocalStackOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  rootKey: string;
  retentionDays?: number;
  historyRetentionDays?: number;
  clock?: Clock;
  onRequest?: Parameters<typeof createLocalServer>[0]['onRequest'];
  onConversionError?: (error: unknown) => void;
  /** Convert uploads as they arrive (default). The benchmark converts in a process of its own. */
  convertUploads?: boolean;
  /** Convert uploads with the native engine (DuckDB), as the deployed converter does; default true. */
  nativeWriter?: boolean;
  /** Waits before webhook retries (default: as in AWS, 1 s, 5 s, 30 s). */
  webhookRetryDelaysMs?: number[];
  /** Where Slack and PagerDuty messages link to (default: this server, which serves the console). */
  consoleUrl?: string;
  /** Crash tests only: a point at which the process kills itself (see crash-points.ts). */
  crashAt?: string;
}

/** Lambda retries a failed asynchronous invocation twice; local mode does the same. */
async function convertWithRetries(convert: () => Promise<unknown>, onError = (error: unknown) => console.error(JSON.stringify({ level: 'error', message: 'upload conversion failed', error: String(error) }))) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await convert();
      return;
    } catch (error) {
      if (attempt === 3) return onError(error);
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

export interface LocalStack {
  url: string;
  port: number;
  settings: Settings;
  deps: Deps;
  /** Resolves when no webhook delivery is in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const FACTS_INTERVAL_MS = 6 * 60 * 60 * 1000;
const FRESHNESS_INTERVAL_MS = 5 * 60 * 1000;
export const LOCAL_FACTS_PATH = '/_local/facts/refresh';

/** Local mode only: `npm run facts` asks the running server to refresh fact tables now. */
function localFactsRoute(deps: Deps): LocalRoute {
  return {
    method: 'POST',
    path: LOCAL_FACTS_PATH,
    handler: async (event) => {
      const token = bearerToken(event.headers.authorization);
      if (!token || !(await deps.rootKey.isRootKey(token))) {
        return { statusCode: 401, headers: { 'content-type': 'application/json' }, body: errorBody('unauthorized', 'the root key is required') };
      }
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(await refreshFactTables(deps)) };
    },
  };
}

/**
 * Every API route, served by the same API functions Lambda runs (`functions/api/*.ts`): each
 * request goes to its API's router, which dispatches on the route key as it does in AWS.
 */
function apiRoutes(deps: Deps): LocalRoute[] {
  const routers = { ingest: ingestApi(deps), query: queryApi(deps), admin: adminApi(deps) };
  return ROUTES.map((route) => ({ method: route.method, path: route.path, handler: routers[route.api] }));
}

/**
 * Local mode only: which SyncTrail answers here (no key needed; local mode listens on this
 * machine only), so a second `npm start` on the same port can say what holds it.
 */
function localInstanceRoute(dataDir: string, url: () => string): LocalRoute {
  return {
    method: 'GET',
    path: LOCAL_INSTANCE_PATH,
    handler: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service: 'synctrail', pid: process.pid, dataDir, url: url() }) }),
  };
}

export const LOCAL_DEMO_PATH = '/_local/demo';

/** A clock the demo sets to each step's moment; it ticks a millisecond a reading, like TestClock. */
class DemoClock implements Clock {
  private current = Date.now();
  set(at: Date) {
    this.current = at.getTime();
  }
  now() {
    this.current += 1;
    return new Date(this.current);
  }
}

/**
 * Local mode only: `npm run demo` loads the demo org through the public API, served for the
 * occasion by a second server on the same stores whose clock follows the demo's history,
 * so runs finish on the days they ran instead of all at once now.
 */
function localDemoRoute(settings: Settings, deps: Deps, rootKey: string): LocalRoute {
  return {
    method: 'POST',
    path: LOCAL_DEMO_PATH,
    handler: async (event) => {
      const json = (statusCode: number, body: string) => ({ statusCode, headers: { 'content-type': 'application/json' }, body });
      const token = bearerToken(event.headers.authorization);
      if (!token || !(await deps.rootKey.isRootKey(token))) return json(401, errorBody('unauthorized', 'the root key is required'));
      let orgId = 'demo';
      try {
        const body = event.body ? (JSON.parse(event.body) as { orgId?: unknown }) : {};
        if (body.orgId !== undefined) orgId = String(body.orgId);
      } catch {
        return json(400, errorBody('invalid_json', 'request body is not valid JSON'));
      }
      const clock = new DemoClock();
      // The demo's completions ask this process's converter for their runs' digests (run diffs).
      const demoDeps = { ...createDeps(settings, clock, undefined, { localNotifier: (own) => new DirectNotifier(own), writers: PARQUET_WRITERS }), conversions: deps.conversions };
      const server = createLocalServer({ routes: apiRoutes(demoDeps) });
      const port = await listen(server, 0, '127.0.0.1');
      try {
        const result = await loadDemo(`http://127.0.0.1:${port}`, rootKey, { orgId, setClock: (at) => clock.set(at) });
        return json(201, JSON.stringify(result));
      } catch (error) {
        const message = (error as Error).message;
        const status = /: (4\d\d) /.exec(message)?.[1];
        return json(status ? Number(status) : 500, errorBody(status === '409' ? 'conflict' : 'demo_failed', message));
      } finally {
        server.closeAllConnections?.();
        await closeServer(server);
      }
    },
  };
}

const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const TABLE = 'synctrail';
const BUCKET = 'synctrail-tracking';

const listen = (server: { listen: (...args: never[]) => unknown; address(): AddressInfo | string | null }, port: number, host: string) =>
  new Promise<number>((resolve, reject) => {
    const s = server as unknown as Server;
    s.once('error', reject);
    s.listen(port, host, () => resolve((s.address() as AddressInfo).port));
  });

const closeServer = (server: { close(cb: (err?: Error) => void): unknown }) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
  });

async function ensureTable(client: DynamoDBClient): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: TABLE }));
    return;
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  const attributes = new Set<string>([TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey, ...INDEXES.flatMap((i) => [i.partitionKey, i.sortKey])]);
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: INDEXES.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  // dynalite answers CreateTable with the table CREATING and turns it ACTIVE on a timer; until
  // then every other call on it answers ResourceNotFoundException. Wait for ACTIVE, as a client of
  // DynamoDB must.
  for (let attempt = 0; ; attempt += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (attempt >= 200) throw new Error(`table ${TABLE} still ${Table?.TableStatus} after 2 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface LocalStores {
  /** Where the SDK clients find dynalite and s3rver, with their credentials. */
  settings: Pick<Settings, 'region' | 'table' | 'bucket' | 'dynamodbEndpoint' | 's3Endpoint' | 'localCredentials'>;
  /** s3rver: its `event`s are the S3 notifications of the objects written. */
  s3: LocalS3['server'];
  close(): Promise<void>;
}

/**
 * dynalite (LevelDB on disk) for DynamoDB with SyncTrail's table, and s3rver (files on disk)
 * for S3 with its bucket, both under `dataDir`: the stores local mode runs on, and the ones the
 * deployed-bundle test points the bundles at.
 */
export async function startLocalStores(dataDir: string): Promise<LocalStores> {
  mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  mkdirSync(join(dataDir, 's3'), { recursive: true });
  const dynamo = dynalite({ path: join(dataDir, 'dynamodb'), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoPort = await listen(dynamo, 0, '127.0.0.1');
  // Atomic object writes, and the same port on every start of this data folder (local-s3.ts).
  const { server: s3, port: s3Port } = await startLocalS3({ dataDir, bucket: BUCKET });
  const settings = {
    region: 'us-east-1',
    table: TABLE,
    bucket: BUCKET,
    dynamodbEndpoint: `http://127.0.0.1:${dynamoPort}`,
    s3Endpoint: `http://127.0.0.1:${s3Port}`,
    localCredentials: LOCAL_CREDENTIALS,
  };
  const admin = new DynamoDBClient({ region: settings.region, endpoint: settings.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS });
  await ensureTable(admin);
  admin.destroy();
  return {
    settings,
    s3,
    async close() {
      await s3.close();
      await closeServer(dynamo);
    },
  };
}

/**
 * Local mode in one process: dynalite (LevelDB on disk) for DynamoDB, s3rver (files on
 * disk) for S3, both behind the real SDK clients, and one HTTP server calling the same
 * handlers Lambda runs. Everything lives under `dataDir`; restarting loses nothing.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const stores = await startLocalStores(options.dataDir);
  const s3 = stores.s3;
  const settings: Settings = {
    ...stores.settings,
    retentionDays: options.retentionDays ?? DEFAULT_RETENTION_DAYS,
    historyRetentionDays: options.historyRetentionDays ?? options.retentionDays ?? DEFAULT_RETENTION_DAYS,
    rootKey: options.rootKey,
    // Receivers in local mode are usually on this machine.
    allowPrivateWebhookTargets: true,
    // One process writes every batch: whatever was in flight before it started died with the last one.
    writersAliveSince: (options.clock ?? systemClock).now().toISOString(),
    ...(options.webhookRetryDelaysMs ? { webhookRetryDelaysMs: options.webhookRetryDelaysMs } : {}),
  };

  // No bus here: events go straight to the org's webhooks.
  const deps = createDeps(settings, options.clock ?? systemClock, undefined, { localNotifier: (own) => new DirectNotifier(own), writers: PARQUET_WRITERS });
  // Uploads are converted by DuckDB, as in AWS; `nativeWriter: false` keeps the reference path alone.
  if (options.nativeWriter !== false) deps.batchEngine = new DuckDbBatchEngine();
  const crashAt = parseCrashAt(options.crashAt);
  if (crashAt) installCrashPoint(deps, crashAt.point, crashAt.hit);
  const routes = apiRoutes(deps);
  let url = '';
  routes.push(localFactsRoute(deps), localDemoRoute(settings, deps, options.rootKey), localInstanceRoute(options.dataDir, () => url));
  // s3rver announces each object like an S3 notification: the same converter AWS runs.
  const convert = convertHandler(deps);
  const conversions = deps.conversions as InProcessConversionQueue;
  conversions.convert = (key) => convertWithRetries(() => convert({ detail: { object: { key } } }), options.onConversionError);
  s3.on('event', (event: ObjectCreatedEvent) => {
    if (options.convertUploads === false) return;
    for (const key of uploadKeysOf(event)) if (key.startsWith('uploads/')) void conversions.enqueue(key);
  });
  // Batches a killed process left in flight: counted if their file was written, else let go;
  // uploads whose object arrived are converted again.
  if (options.convertUploads !== false) {
    const recovered = await recoverInFlightBatches(settings, deps);
    if (recovered.runs) console.log(JSON.stringify({ level: 'info', message: 'recovered batches left in flight', ...recovered }));
  }
  const server = createLocalServer({ routes, console: await buildConsole(), ...(options.onRequest ? { onRequest: options.onRequest } : {}) });
  const port = await listen(server, options.port, host).catch(async (error: NodeJS.ErrnoException) => {
    // The stores are open already: close them, or the process cannot exit.
    await stores.close();
    throw error;
  });
  url = `http://${host}:${port}`;
  // The console is served here, on the API's origin: messages link to it.
  deps.config.consoleUrl = options.consoleUrl ?? url;
  // Sync Tracking: fact tables are rewritten every six hours, as the AWS schedule does.
  const factsTimer = setInterval(() => {
    refreshFactTables(deps).catch((error: unknown) => console.error(JSON.stringify({ level: 'error', message: 'fact table refresh failed', error: String(error) })));
  }, FACTS_INTERVAL_MS);
  factsTimer.unref();
  // Freshness alerts and lost webhook retries go stale with time alone; AWS asks every 15 minutes, local mode every 5.
  const freshnessTimer = setInterval(() => {
    checkFreshness(deps).catch((error: unknown) => console.error(JSON.stringify({ level: 'error', message: 'freshness check failed', error: String(error) })));
    sweepStuckDeliveries(deps).catch((error: unknown) => console.error(JSON.stringify({ level: 'error', message: 'webhook retry sweep failed', error: String(error) })));
  }, FRESHNESS_INTERVAL_MS);
  freshnessTimer.unref();

  return {
    url,
    port,
    settings,
    deps,
    idle: () => (deps.notifier instanceof DirectNotifier ? deps.notifier.idle() : Promise.resolve()),
    async close() {
      clearInterval(factsTimer);
      clearInterval(freshnessTimer);
      // Deliveries in flight finish (or give up) before the stores close under them.
      if (deps.notifier instanceof DirectNotifier) await deps.notifier.idle();
      server.closeAllConnections?.();
      await closeServer(server);
      await stores.close();
    },
  };
}
