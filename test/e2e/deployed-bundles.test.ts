import { readdirSync, readFileSync, rmSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncLogManifestPrefix, trackingFileKey } from '#domain/tracking-row.ts';
import { identifierIndexKey } from '#domain/identifier-index.ts';
import { runDigestKey } from '#domain/run-digest.ts';
import { createClients } from '#adapters/clients.ts';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parquetMetadata } from 'hyparquet';
import { startLocalStores, type LocalStores } from '../../infra/local/local-stack.ts';
import { FUNCTION_ENTRIES, MAX_BUNDLE_BYTES } from '../../infra/constructs/bundling.ts';
import { ROUTES } from '../../functions/routes.ts';
import { scheduledEvent, startDeployedStack, synthesize, type DeployedStack, type SynthesizedStack } from '../support/deployed-stack.ts';
import { expectWalkthroughOutput, runWalkthrough } from '../support/walkthrough.ts';
import { assetPackages } from '../support/native-host.ts';

/**
 * The artifacts that deploy, run: `cdk synth` bundles every function as `npm run synth` and
 * `cdk deploy` do, and the README walkthrough runs through those bundles, each in a process
 * of its own with only the environment the template gives it, invoked by API Gateway's routes
 * and EventBridge's rules as the template wires them, over the local stores.
 */
const ROOT_KEY = 'st_root_deployed_bundle_test_0123456789abcdef';
let work: string;
let stores: LocalStores;
let stack: SynthesizedStack;
let deployed: DeployedStack;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'synctrail-bundles-'));
  stack = synthesize(join(work, 'cdk.out'));
  stores = await startLocalStores(join(work, 'data'));
  deployed = await startDeployedStack({ stack, stores, rootKey: ROOT_KEY });
}, 240_000);

afterAll(async () => {
  await deployed?.close();
  await stores?.close();
  rmSync(work, { recursive: true, force: true });
});

/** One API call through the deployed routes; any answer but 2xx throws. */
/** node:zlib has zstd from Node 22.15: the bundles read ZSTD parquet pages with it. */
const zstdInZlib = 'zstdDecompressSync' in (await import('node:zlib'));

async function call(method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${deployed.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

const failures = () => Promise.all(deployed.asyncInvocations.map(async (i) => i.outcome.then(() => undefined, (error: Error) => `${i.ruleId} → ${i.functionId}: ${error.message}`))).then((all) => all.filter(Boolean));
/** Failures but the digest builds Node < 22.15 cannot do (the upload test asserts that one). */
const otherFailures = async () => (await failures()).filter((f) => zstdInZlib || !String(f).includes('zstd'));

describe('the deployed bundles', () => {
  it('are the seven functions the stack deploys, one per entry, each loaded by a plain Node runtime', () => {
    expect(stack.functions.size).toBe(FUNCTION_ENTRIES.length);
    expect([...stack.routes.keys()].sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('each stay under the 1 MiB bundle budget, with semver replaced by its one-function shim', () => {
    const sizes: Record<string, number> = {};
    for (const fn of stack.functions.values()) {
      const bundle = readdirSync(fn.assetDir).find((name) => /\.m?js$/.test(name))!;
      sizes[fn.logicalId] = statSync(join(fn.assetDir, bundle)).size;
      // semver's own range parser would be here if the alias had not applied
      expect(readFileSync(join(fn.assetDir, bundle), 'utf8'), fn.logicalId).not.toContain('Invalid comparator');
    }
    console.info(`bundle bytes: ${JSON.stringify(sizes)}`);
    for (const [id, bytes] of Object.entries(sizes)) expect(bytes, id).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
  });

  it('ship native modules beside the bundle only in the converter (DuckDB for linux-arm64), counted apart from the 1 MiB bundle', () => {
    const native: Record<string, Record<string, number>> = {};
    for (const fn of stack.functions.values()) {
      const packages = assetPackages(fn.assetDir);
      if (!packages.length) continue;
      native[fn.logicalId] = Object.fromEntries(packages.map((p) => [p.name, readdirSync(p.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0)]));
    }
    console.info(`native module bytes (unzipped, beside the bundle): ${JSON.stringify(native)}`);
    expect(Object.keys(native)).toEqual([deployed.functionOf('UploadsConvertUpload')]);
    expect(Object.keys(native[deployed.functionOf('UploadsConvertUpload')]!).sort()).toEqual(['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-linux-arm64', 'detect-libc']);
  });

  it('serve the README walkthrough, registering the run in Glue and announcing it on the bus', async () => {
    // Act
    const run = await runWalkthrough(deployed.url, ROOT_KEY);
    await deployed.settle();

    // Assert
    expectWalkthroughOutput(run);
    // The run's sync_log partition names its manifest folder, never the run folder.
    expect(deployed.aws.partitions.map((p) => [p.Values, p.StorageDescriptor.Location])).toEqual([
      [['acme', 'hv-customers-meta', 'run-2026-11-23'], `s3://${stores.settings.bucket}/${syncLogManifestPrefix('acme', 'hv-customers-meta', 'run-2026-11-23')}`],
    ]);
    const events = deployed.aws.callsTo('AWSEvents.PutEvents').flatMap((call) => call.Entries.map((e: any) => `${e.EventBusName} ${e.Source} ${e.DetailType}`));
    // Both run events, the replay the walkthrough asked for (the producer consumes it from the bus), and
    // completion's request to the converter for the run's digest (run diffs).
    expect(events.sort()).toEqual([
      'synctrail-events synctrail SyncTrail DLQ Replay',
      'synctrail-events synctrail SyncTrail Run Completed',
      'synctrail-events synctrail SyncTrail Run Started',
      'synctrail-events synctrail.internal Upload Conversion Requested',
    ]);
    // The bus rule handed both run events to the webhook delivery bundle, which took them.
    const deliveries = deployed.asyncInvocations.filter((i) => i.functionId === deployed.functionOf('NotificationsDeliverWebhooks'));
    expect(deliveries.map((i) => i.event['detail-type']).sort()).toEqual(['SyncTrail Run Completed', 'SyncTrail Run Started']);
    expect(await failures()).toEqual([]);
    // The root key came from Secrets Manager, as in AWS.
    expect(deployed.aws.callsTo('secretsmanager.GetSecretValue').length).toBeGreaterThan(0);
  }, 120_000);

  it('convert an upload through the converter bundle, started by the bucket\'s object-created event', async () => {
    // Arrange: an org of its own.
    const { adminKey } = await call('POST', '/v1/orgs', ROOT_KEY, { orgId: 'uploads-org' });
    const { key } = await call('POST', '/v1/keys', adminKey, { scopes: ['ingest', 'read'] });
    await call('PUT', '/v1/syncs/bulk', key, { name: 'Bulk', syncType: 'audience', operation: 'upsert', source: { id: 's', type: 'DataWarehouse::Table', name: 's' }, destination: { id: 'd', name: 'D', connectionType: 'API Endpoint' } });
    await call('POST', '/v1/syncs/bulk/runs', key, { runId: 'bulk-1' });

    // Act
    const { uploadUrl } = await call('POST', '/v1/runs/bulk-1/uploads', key, { batchType: 'records_updated', batchNumber: 0 });
    const lines = Array.from({ length: 2_000 }, (_, i) => JSON.stringify({ identifier: `id-${i}`, payload: { n: i }, status: i % 10 === 0 ? 'rejected' : 'succeeded', statusMessage: i % 10 === 0 ? 'Invalid' : undefined }));
    const put = await fetch(uploadUrl, { method: 'PUT', body: `${lines.join('\n')}\n` });
    expect(put.status).toBe(200);
    await deployed.settle();
    const completed = await call('POST', '/v1/runs/bulk-1/complete', key);

    // Assert
    const converter = deployed.asyncInvocations.filter((i) => i.functionId === deployed.functionOf('UploadsConvertUpload'));
    const conversions = converter.filter((i) => !JSON.stringify(i.event).includes('run-digest/'));
    expect(conversions).toHaveLength(1);
    // Completion asked the converter, on SyncTrail's bus, for the run's digest; the query bundle diffs it.
    await deployed.settle();
    const digests = converter.filter((i) => JSON.stringify(i.event).includes(runDigestKey('uploads-org', 'bulk', 'bulk-1')));
    expect(digests).toHaveLength(1);
    if (zstdInZlib) {
      await digests[0]!.outcome;
      expect(await call('GET', '/v1/runs/bulk-1/diff', key)).toEqual({ runId: 'bulk-1', against: null, added: 1_800, removed: 0, changed: 0, unchanged: 0 });
      const firstPage = await call('GET', '/v1/runs/bulk-1/diff/records?kind=added&limit=2', key);
      const members = Array.from({ length: 2_000 }, (_, i) => `id-${i}`).filter((_, i) => i % 10 !== 0).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(firstPage.items).toEqual(members.slice(0, 2).map((identifier) => ({ identifier })));
    } else {
      // Node < 22.15 (this machine; Lambda runs 24): the bundle reads the DuckDB-written (ZSTD) file
      // through node:zlib, which has no zstd there, so the build fails loudly and the diff says not ready.
      await expect(digests[0]!.outcome).rejects.toThrow(/zstd/);
      await expect(call('GET', '/v1/runs/bulk-1/diff', key)).rejects.toThrow(/409 .*diff_not_ready/);
    }
    expect(await failures()).toEqual(zstdInZlib ? [] : [expect.stringContaining('zstd')]);
    expect(completed).toMatchObject({ status: 'partial_complete', itemsTotal: 2_000, itemsProcessed: 1_800, itemsFailed: 200 });
    // Written by the native writer (DuckDB in the bundle's own node_modules: ZSTD pages, its
    // identifier index beside it), not by the reference path (GZIP).
    const { s3 } = createClients({ ...stores.settings, retentionDays: 14, historyRetentionDays: 14 });
    const bytes = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: stores.settings.bucket, Key: key }))).Body!.transformToByteArray();
    const fileKey = trackingFileKey('uploads-org', 'bulk', 'bulk-1', 'records_updated', 0);
    const metadata = parquetMetadata((await bytes(fileKey)).slice().buffer);
    expect(new Set(metadata.row_groups.flatMap((group) => group.columns.map((column) => column.meta_data?.codec)))).toEqual(new Set(['ZSTD']));
    expect(metadata.created_by).toMatch(/duckdb/i);
    expect((await bytes(identifierIndexKey(fileKey))).byteLength).toBeGreaterThan(0);
  }, 120_000);

  it('refresh the fact tables, drop expired runs\' partitions and check freshness on their schedules', async () => {
    const scheduled = (target: string) => stack.rules.find((rule) => rule.schedule && rule.targets.includes(deployed.functionOf(target)))!;
    // A run registered 30 days ago: even a run taking batches for the whole 14 days of history has
    // no file left after 14 more (the cutoff is 14 + 14 + 1 days).
    deployed.aws.partitions.push({ Values: ['acme', 'hv-customers-meta', 'run-2026-11-03'], StorageDescriptor: {}, CreationTime: Date.now() / 1000 - 30 * 86_400 });

    const facts = (await deployed.invoke(deployed.functionOf('SchedulesRefreshFacts'), scheduledEvent(scheduled('SchedulesRefreshFacts').logicalId))) as { orgs: number; rows: Record<string, number> };
    // The walkthrough's run and the upload's run (the tests before this one) stay.
    expect(facts).toMatchObject({ orgs: 2, rows: { destinations: 2, source_objects: 2 }, partitions: { scanned: 3, dropped: 1 } });
    expect(deployed.aws.partitions.map((p) => p.Values[2]).sort()).toEqual(['bulk-1', 'run-2026-11-23']);

    // A signal sync that has never pushed an event, with a freshness rule: the check finds it stale.
    const { adminKey } = await call('POST', '/v1/orgs', ROOT_KEY, { orgId: 'fresh-org' });
    const { key } = await call('POST', '/v1/keys', adminKey, { scopes: ['ingest', 'read'] });
    await call('PUT', '/v1/syncs/purchases', key, { name: 'Purchases', syncType: 'signal', operation: 'append', source: { id: 's', type: 'DataWarehouse::Table', name: 's' }, destination: { id: 'g', name: 'Google Ads', connectionType: 'Google Ads' } });
    await call('PUT', '/v1/syncs/purchases/alerts', adminKey, { rules: [{ type: 'freshness', maxAgeHours: 1 }] });
    const freshness = await deployed.invoke(deployed.functionOf('NotificationsCheckFreshness'), scheduledEvent(scheduled('NotificationsCheckFreshness').logicalId));
    await deployed.settle();

    expect(freshness).toEqual({ syncs: 1, firing: 1, requeued: 0 });
    // The alert fired once (when the rule was set or on the check) and reached the webhook bundle.
    const fired = deployed.asyncInvocations.filter((i) => i.event['detail-type'] === 'SyncTrail Alert Fired');
    expect(fired.map((i) => [i.functionId, i.event.detail.data.alert.syncId])).toEqual([[deployed.functionOf('NotificationsDeliverWebhooks'), 'purchases']]);
    expect(await otherFailures()).toEqual([]);
  }, 60_000);

  it('answer a test-send to an unreachable webhook with its first attempt, and run the queued retries from the bus in the delivery bundle', async () => {
    // Arrange: a name that never resolves (in AWS a webhook must name a public host).
    const { adminKey } = await call('POST', '/v1/orgs', ROOT_KEY, { orgId: 'hooks-org' });
    const hook = await call('POST', '/v1/webhooks', adminKey, { url: 'https://synctrail-test.invalid/hook' });

    // Act
    const started = Date.now();
    const answer = await call('POST', `/v1/webhooks/${hook.webhookId}/test`, adminKey);
    const elapsed = Date.now() - started;
    await deployed.settle();

    // Assert: the admin bundle answered the first attempt and put the retries on the bus...
    expect(elapsed).toBeLessThan(10_000);
    expect(answer).toMatchObject({ delivered: false, retriesQueued: true, state: 'retrying', attempt: { status: null, error: expect.stringContaining('ENOTFOUND') } });
    const queued = deployed.asyncInvocations.filter((i) => i.event['detail-type'] === 'Webhook Retries Queued');
    expect(queued.map((i) => [i.functionId, i.event.source, i.event.detail.deliveryId])).toEqual([[deployed.functionOf('NotificationsDeliverWebhooks'), 'synctrail.internal', answer.deliveryId]]);
    expect(await otherFailures()).toEqual([]);
    // ...and the delivery bundle ran them (1 s, 5 s, 30 s apart) into the same log entry.
    const log = await call('GET', `/v1/webhooks/${hook.webhookId}/deliveries`, adminKey);
    expect(log.items).toEqual([expect.objectContaining({ deliveryId: answer.deliveryId, state: 'failed', finishedAt: expect.any(String) })]);
    expect(log.items[0].attempts).toHaveLength(4);
  }, 120_000);
});
