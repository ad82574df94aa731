import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CreatePartitionCommand, GlueClient, type PartitionInput } from '@aws-sdk/client-glue';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createClients } from '#adapters/clients.ts';
import { GluePartitions, syncLogStorage } from '#adapters/glue-partitions.ts';
import { postBatch } from '#domain/batch.ts';
import type { Principal } from '#domain/keys.ts';
import type { Deps, RunStore, TrackingFiles } from '#domain/ports.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { batch, records, syncConfig } from '../support/fixtures.ts';

/**
 * What Athena reads of `sync_log`, read the way Athena reads it: for each partition a run
 * registers in Glue, every object under the partition's location is a symlink manifest, and
 * each line of each names a parquet file that is read with the Glue table's column types.
 */

let stack: TestStack;
let api: Api;
let org: Awaited<ReturnType<typeof createOrgWithKeys>>;
let duck: DuckDBConnection;
let downloads: string;
/** The Glue partitions the runs registered (Glue's API mocked; the locations are the real adapter's). */
let partitions: PartitionInput[];
/** The `sync_log` table's columns, as the CDK table (infra/constructs/analytics.ts) defines them. */
const GLUE_COLUMNS = syncLogStorage('').Columns;

const s3 = () => createClients(stack.settings).s3;

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3().send(new ListObjectsV2Command({ Bucket: stack.settings.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

async function getText(key: string): Promise<string> {
  return (await s3().send(new GetObjectCommand({ Bucket: stack.settings.bucket, Key: key }))).Body!.transformToString();
}

async function exists(key: string): Promise<boolean> {
  return s3()
    .send(new HeadObjectCommand({ Bucket: stack.settings.bucket, Key: key }))
    .then(
      () => true,
      () => false,
    );
}

/** `s3://bucket/key/` → the key. */
function keyOf(url: string): string {
  const prefix = `s3://${stack.settings.bucket}/`;
  expect(url.startsWith(prefix), url).toBe(true);
  return url.slice(prefix.length);
}

/** Every object Athena reads for one partition: the lines of every manifest under its location, as keys. */
async function filesAthenaReads(partition: PartitionInput): Promise<{ manifests: string[]; files: string[] }> {
  const manifests = await listKeys(keyOf(partition.StorageDescriptor!.Location!));
  const files: string[] = [];
  for (const manifest of manifests) {
    const lines = (await getText(manifest)).split('\n').filter((line) => line !== '');
    expect(lines, manifest).toHaveLength(1);
    files.push(...lines.map(keyOf));
  }
  return { manifests, files: files.sort() };
}

const partitionOf = (runId: string) => partitions.find((p) => p.Values![2] === runId)!;

/** DuckDB's name for what a Glue (Hive) type reads from parquet (timestamps are UTC instants: TIMESTAMPTZ in DuckDB). */
const DUCK_TYPE: Record<string, string> = { string: 'VARCHAR', int: 'INTEGER', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP WITH TIME ZONE' };

/** Reads a named file with DuckDB: its columns must be the Glue columns with their Glue types; answers its row count. */
async function readAsGlue(key: string): Promise<number> {
  const path = join(downloads, key.replace(/\//g, '_'));
  writeFileSync(path, await (await s3().send(new GetObjectCommand({ Bucket: stack.settings.bucket, Key: key }))).Body!.transformToByteArray());
  const described = (await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRowObjectsJS();
  expect(described.map((c) => [c.column_name, c.column_type]), key).toEqual(GLUE_COLUMNS.map((c) => [c.Name, DUCK_TYPE[c.Type]]));
  const select = GLUE_COLUMNS.map((c) => `CAST(${c.Name} AS ${DUCK_TYPE[c.Type]}) AS ${c.Name}`).join(', ');
  const [row] = (await duck.runAndReadAll(`SELECT count(*) AS n FROM (SELECT ${select} FROM read_parquet('${path}'))`)).getRowObjectsJS();
  return Number(row!.n);
}

const ndjson = (n: number, prefix: string) => batch({}, records(n, 4, prefix)).records.map((r) => JSON.stringify(r)).join('\n') + '\n';

async function uploadBatch(runId: string, batchNumber: number, body: string) {
  const ticket = await api.post(`/v1/runs/${runId}/uploads`, org.key, { batchType: 'records_updated', batchNumber, startedAt: '2026-11-20T10:00:00Z', endedAt: '2026-11-20T10:05:00Z' });
  expect(ticket.status).toBe(201);
  expect((await fetch(ticket.body.uploadUrl, { method: 'PUT', body, headers: ticket.body.headers })).status).toBe(200);
  for (let i = 0; i < 200; i += 1) {
    const found = (await api.get(`/v1/runs/${runId}/batches`, org.key)).body.items.find((b: { batchNumber: number }) => b.batchNumber === batchNumber);
    if (found?.state === 'done') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`upload ${batchNumber} of ${runId} never converted`);
}

beforeAll(async () => {
  stack = await startTestStack();
  downloads = mkdtempSync(join(tmpdir(), 'synctrail-athena-'));
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  api = apiClient(stack.url);
  org = await createOrgWithKeys(api, 'ath');
  await api.put('/v1/syncs/s', org.key, syncConfig());

  // Runs register their partitions through the AWS adapter, Glue itself mocked.
  const glueClient = new GlueClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const glue = mockClient(glueClient);
  glue.on(CreatePartitionCommand).resolves({});
  stack.deps.partitions = new GluePartitions(glueClient, 'synctrail_test', 'sync_log', stack.settings.bucket);

  // A busy run: eight batches at once, another batch type, a batch posted twice, an upload.
  expect((await api.post('/v1/syncs/s/runs', org.key, { runId: 'busy' })).status).toBe(201);
  const concurrent = await Promise.all(Array.from({ length: 8 }, (_, n) => api.post('/v1/runs/busy/batches', org.key, batch({ batchNumber: n }, records(40 + n, 3, `c${n}`)))));
  expect(concurrent.map((r) => r.status)).toEqual(Array(8).fill(200));
  const deleted = batch({ batchType: 'records_deleted', batchNumber: 0 }, records(7, 0, 'd'));
  expect((await api.post('/v1/runs/busy/batches', org.key, deleted)).status).toBe(200);
  const retried = batch({ batchNumber: 8 }, records(25, 5, 'r'));
  const [first, again] = await Promise.all([api.post('/v1/runs/busy/batches', org.key, retried), api.post('/v1/runs/busy/batches', org.key, retried)]);
  const third = await api.post('/v1/runs/busy/batches', org.key, retried);
  expect([first.status, again.status, third.status]).toEqual([200, 200, 200]);
  await uploadBatch('busy', 9, ndjson(300, 'u'));
  expect((await api.post('/v1/runs/busy/complete', org.key)).status).toBe(200);

  // A second run of the same sync, and a dry run (counted, no row-level data).
  await api.post('/v1/syncs/s/runs', org.key, { runId: 'other' });
  await api.post('/v1/runs/other/batches', org.key, batch({}, records(12, 0, 'o')));
  await api.post('/v1/runs/other/complete', org.key);
  await api.post('/v1/syncs/s/runs', org.key, { runId: 'dry', dryRun: true });
  await api.post('/v1/runs/dry/batches', org.key, batch({}, records(5, 0, 'y')));
  await api.post('/v1/runs/dry/complete', org.key);

  partitions = glue.commandCalls(CreatePartitionCommand).map((call) => call.args[0].input.PartitionInput!);
}, 120_000);

afterAll(async () => {
  duck?.closeSync();
  await stack?.stop();
  if (downloads) rmSync(downloads, { recursive: true, force: true });
});

describe("Athena's view of sync_log", () => {
  it('registers each run that keeps records as a partition whose location holds only manifests, never the run folder', () => {
    expect(partitions.map((p) => p.Values)).toEqual([
      ['ath', 's', 'busy'],
      ['ath', 's', 'other'],
    ]);
    for (const partition of partitions) {
      const [orgId, syncId, runId] = partition.Values!;
      expect(partition.StorageDescriptor).toMatchObject({
        Location: `s3://${stack.settings.bucket}/athena/sync-log-manifests/${orgId}/${syncId}/${runId}/`,
        InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
        SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
      });
    }
  });

  it("names exactly the run's parquet files, one manifest per counted batch, and never metadata.json", async () => {
    for (const runId of ['busy', 'other']) {
      // Act
      const { manifests, files } = await filesAthenaReads(partitionOf(runId));
      // Assert: Athena skips names starting with _ or .; there are none to skip.
      expect(manifests.every((key) => !/\/[_.][^/]*$/.test(key))).toBe(true);
      const folder = await listKeys(`sync_tracking_datasets/ath/s/${runId}/`);
      expect(folder).toContain(`sync_tracking_datasets/ath/s/${runId}/metadata.json`);
      expect(files).toEqual(folder.filter((key) => key.endsWith('.parquet')));
      const batches = (await api.get(`/v1/runs/${runId}/batches`, org.key)).body.items.filter((b: { state: string }) => b.state === 'done');
      expect(manifests).toHaveLength(batches.length);
    }
    expect((await filesAthenaReads(partitionOf('busy'))).files).toHaveLength(11); // 8 concurrent, 1 deleted, 1 retried, 1 upload
  });

  it("reads every named file with the Glue column types, and they hold exactly the run's records", async () => {
    for (const runId of ['busy', 'other']) {
      // Act
      const { files } = await filesAthenaReads(partitionOf(runId));
      let rows = 0;
      for (const key of files) rows += await readAsGlue(key);
      // Assert
      const run = (await api.get(`/v1/runs/${runId}`, org.key)).body;
      expect(run.status).not.toBe('running');
      expect(rows).toBe(run.records.received);
    }
    expect((await api.get('/v1/runs/busy', org.key)).body.records.received).toBe(8 * 40 + 28 + 7 + 25 + 300);
  });

  it('has nothing for Athena to read in a dry run: no partition, no manifest', async () => {
    expect(partitionOf('dry')).toBeUndefined();
    expect(await listKeys('athena/sync-log-manifests/ath/s/dry/')).toEqual([]);
  });
});

describe('manifests when a writer dies', () => {
  const principal = (): Principal => ({ kind: 'key', orgId: 'ath', keyId: org.keyId, scopes: ['ingest'] });
  const manifest = (runId: string) => `athena/sync-log-manifests/ath/s/${runId}/records_updated.0.manifest`;
  const file = (runId: string) => `sync_tracking_datasets/ath/s/${runId}/records_updated.0.parquet`;

  it('writes the manifest of a batch rolled forward at completion (its writer died after the file, before the manifest and the count)', async () => {
    // Arrange
    await api.post('/v1/syncs/s/runs', org.key, { runId: 'crash-file' });
    const crashingFiles: TrackingFiles = Object.create(stack.deps.files);
    crashingFiles.writeManifest = async () => {
      throw new Error('Lambda timed out');
    };
    await expect(postBatch({ ...stack.deps, files: crashingFiles }, principal(), 'crash-file', batch({}, records(6, 2, 'k')))).rejects.toThrow('Lambda timed out');
    expect([await exists(file('crash-file')), await exists(manifest('crash-file'))]).toEqual([true, false]);
    // Act
    const completed = await api.post('/v1/runs/crash-file/complete', org.key);
    // Assert
    expect(completed.body).toMatchObject({ itemsTotal: 6, recovery: { rolledForward: ['records_updated.0'] } });
    expect(await getText(manifest('crash-file'))).toBe(`s3://${stack.settings.bucket}/${file('crash-file')}\n`);
  });

  it('keeps the manifest of a writer that died just before its count, and completion counts the file it names', async () => {
    await api.post('/v1/syncs/s/runs', org.key, { runId: 'crash-count' });
    const crashingRuns: RunStore = Object.create(stack.deps.runs);
    crashingRuns.markBatchDone = async () => {
      throw new Error('Lambda timed out');
    };
    await expect(postBatch({ ...stack.deps, runs: crashingRuns } as Deps, principal(), 'crash-count', batch({}, records(4, 0, 'm')))).rejects.toThrow('Lambda timed out');
    const completed = await api.post('/v1/runs/crash-count/complete', org.key);
    expect(completed.body).toMatchObject({ itemsTotal: 4, recovery: { rolledForward: ['records_updated.0'] } });
    expect(await getText(manifest('crash-count'))).toBe(`s3://${stack.settings.bucket}/${file('crash-count')}\n`);
  });

  it('writes no manifest for a batch let go because its writer died before the file', async () => {
    await api.post('/v1/syncs/s/runs', org.key, { runId: 'crash-claim' });
    const crashingRuns: RunStore = Object.create(stack.deps.runs);
    crashingRuns.announceBatch = async () => {
      throw new Error('Lambda timed out');
    };
    await expect(postBatch({ ...stack.deps, runs: crashingRuns } as Deps, principal(), 'crash-claim', batch({}, records(4, 0, 'n')))).rejects.toThrow('Lambda timed out');
    const completed = await api.post('/v1/runs/crash-claim/complete', org.key);
    expect(completed.body).toMatchObject({ itemsTotal: 0, recovery: { abandoned: ['records_updated.0'] } });
    expect(await listKeys('athena/sync-log-manifests/ath/s/crash-claim/')).toEqual([]);
  });
});
