import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createClients } from '#adapters/clients.ts';
import { DynamoRunStore } from '#adapters/dynamodb/run-store.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { batch, records, syncConfig } from '../support/fixtures.ts';

let stack: TestStack;
let api: Api;
let key: string;

beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack.url);
  key = (await createOrgWithKeys(api, 'up')).key;
  await api.put('/v1/syncs/s', key, syncConfig());
});
afterAll(async () => {
  await stack.stop();
});

const ndjson = (n: number, prefix = 'u', rejectEvery = 0) =>
  batch({}, records(n, rejectEvery, prefix)).records.map((r) => JSON.stringify(r)).join('\n') + '\n';

async function startRun(runId: string) {
  expect((await api.post('/v1/syncs/s/runs', key, { runId })).status).toBe(201);
}

async function upload(runId: string, batchNumber: number, body: string | Buffer, gzip = false) {
  const ticket = await api.post(`/v1/runs/${runId}/uploads`, key, { batchType: 'records_updated', batchNumber, ...(gzip ? { contentEncoding: 'gzip' } : {}), startedAt: '2026-11-20T10:00:00Z', endedAt: '2026-11-20T10:05:00Z' });
  expect(ticket.status).toBe(201);
  const put = await fetch(ticket.body.uploadUrl, { method: 'PUT', body: gzip ? gzipSync(body) : body, headers: ticket.body.headers });
  expect(put.status).toBe(200);
  return ticket.body;
}

/** Waits until the batch leaves `pending` (the converter runs on s3rver's event). */
async function settled(runId: string, batchNumber: number) {
  for (let i = 0; i < 200; i += 1) {
    const { body } = await api.get(`/v1/runs/${runId}/batches`, key);
    const found = body.items.find((b: any) => b.batchNumber === batchNumber);
    if (found && found.state !== 'pending') return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`batch ${batchNumber} of ${runId} never settled`);
}

async function fileExists(runId: string, n: number) {
  const { s3 } = createClients(stack.settings);
  return s3.send(new HeadObjectCommand({ Bucket: stack.settings.bucket, Key: `sync_tracking_datasets/up/s/${runId}/records_updated.${n}.parquet` })).then(() => true, () => false);
}

describe('uploads', () => {
  it('converts an NDJSON upload into the same parquet file and counters as an inline batch', async () => {
    // Arrange
    await startRun('r-plain');
    // Act
    const ticket = await upload('r-plain', 0, ndjson(500, 'p', 10));
    const batchState = await settled('r-plain', 0);
    // Assert
    expect(ticket).toMatchObject({ state: 'pending', method: 'PUT', expiresAt: expect.any(String) });
    expect(batchState).toMatchObject({ state: 'done', source: 'upload', received: 500, succeeded: 450, failed: 50, error: null });
    expect(await fileExists('r-plain', 0)).toBe(true);
    const rec = await api.get('/v1/runs/r-plain/records?identifier=p-10@example.com', key);
    expect(rec.body.items).toEqual([expect.objectContaining({ identifier: 'p-10@example.com', status: 'rejected', batchStartedAt: '2026-11-20T10:00:00.000Z', batchEndedAt: '2026-11-20T10:05:00.000Z' })]);
    const done = await api.post('/v1/runs/r-plain/complete', key);
    expect(done.body).toMatchObject({ itemsTotal: 500, itemsProcessed: 450, status: 'partial_complete' });
  });

  it('takes gzip-compressed uploads', async () => {
    await startRun('r-gzip');
    await upload('r-gzip', 0, ndjson(300, 'g'), true);
    expect(await settled('r-gzip', 0)).toMatchObject({ state: 'done', received: 300, succeeded: 300 });
  });

  it("takes over a dead conversion's claim of other content that wrote no file (an older SyncTrail's hash), and counts the upload", async () => {
    await startRun('r-takeover');
    const ticket = await api.post('/v1/runs/r-takeover/uploads', key, { batchType: 'records_updated', batchNumber: 0 });
    const uploadKey = decodeURIComponent(new URL(ticket.body.uploadUrl).pathname).replace(/^\/[^/]+\//, '');
    // A conversion claimed the batch under another content hash, then died before its file.
    const runs = new DynamoRunStore(createClients(stack.settings).dynamo, stack.settings.table);
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect(await runs.markConversionStarted('up', 'r-takeover', 'records_updated.0', uploadKey, undefined, past, past)).toBe(true);
    const counts = { received: 1, succeeded: 1, partial: 0, failed: 0, null: 0, duplicate: 0, inFlight: 0, superseded: 0 };
    expect(await runs.beginConversion('up', 'r-takeover', 'records_updated.0', uploadKey, { contentHash: 'an-older-hash', counts, entityCounts: {}, claimedAt: past, writeDeadline: past })).toBe(true);
    // The object arrives (or its conversion is asked for again): it is converted and counted.
    expect((await fetch(ticket.body.uploadUrl, { method: 'PUT', body: ndjson(7) })).status).toBe(200);
    expect(await settled('r-takeover', 0)).toMatchObject({ state: 'done', received: 7 });
    expect(await fileExists('r-takeover', 0)).toBe(true);
  });

  it('fails an upload announced as gzip that is not, and one gzipped but not announced, saying which', async () => {
    await startRun('r-encoding');
    const ticket = await api.post('/v1/runs/r-encoding/uploads', key, { batchType: 'records_updated', batchNumber: 0, contentEncoding: 'gzip' });
    expect((await fetch(ticket.body.uploadUrl, { method: 'PUT', body: ndjson(5) })).status).toBe(200);
    expect((await settled('r-encoding', 0)).error.reason).toMatch(/^the upload was announced as gzip \(contentEncoding\) but is not gzip-compressed/);
    const plain = await api.post('/v1/runs/r-encoding/uploads', key, { batchType: 'records_updated', batchNumber: 1 });
    expect((await fetch(plain.body.uploadUrl, { method: 'PUT', body: gzipSync(ndjson(5)) })).status).toBe(200);
    expect((await settled('r-encoding', 1)).error.reason).toMatch(/^the upload is gzip-compressed but was not announced so/);
    expect((await api.get('/v1/runs/r-encoding', key)).body.records.received).toBe(0);
  });

  it('fails a batch with malformed lines, naming them, and writes and counts nothing', async () => {
    // Arrange
    await startRun('r-bad');
    const lines = ndjson(5).trim().split('\n');
    lines[1] = '{"identifier": "x", "status": ';
    lines[3] = JSON.stringify({ identifier: 'y', payload: {}, status: 'maybe' });
    // Act
    await upload('r-bad', 0, `${lines.join('\n')}\n`);
    const state = await settled('r-bad', 0);
    // Assert
    expect(state).toMatchObject({ state: 'failed', received: 0 });
    expect(state.error.reason).toBe('2 invalid lines; nothing of this batch was recorded');
    expect(state.error.badLines).toEqual([
      { line: 2, message: expect.stringMatching(/^not valid JSON/) },
      { line: 4, message: expect.stringMatching(/^status: unknown status/) },
    ]);
    expect(await fileExists('r-bad', 0)).toBe(false);
    expect((await api.get('/v1/runs/r-bad', key)).body.records.received).toBe(0);
    // A corrected upload of the same batch goes through.
    await upload('r-bad', 0, ndjson(5));
    expect(await settled('r-bad', 0)).toMatchObject({ state: 'done', received: 5 });
  });

  it('is idempotent: asking again for a done batch answers its result, and a re-sent object changes nothing', async () => {
    await startRun('r-again');
    const ticket = await upload('r-again', 0, ndjson(40));
    await settled('r-again', 0);
    const again = await api.post('/v1/runs/r-again/uploads', key, { batchType: 'records_updated', batchNumber: 0 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ state: 'done', result: { received: 40 } });
    expect(again.body.uploadUrl).toBeUndefined();
    await fetch(ticket.uploadUrl, { method: 'PUT', body: ndjson(40) });
    await new Promise((r) => setTimeout(r, 300));
    expect((await api.get('/v1/runs/r-again', key)).body.records.received).toBe(40);
  });

  it('ignores an older upload once a newer one was asked for', async () => {
    await startRun('r-stale');
    const first = (await api.post('/v1/runs/r-stale/uploads', key, { batchType: 'records_updated', batchNumber: 0 })).body;
    const second = (await api.post('/v1/runs/r-stale/uploads', key, { batchType: 'records_updated', batchNumber: 0 })).body;
    await fetch(first.uploadUrl, { method: 'PUT', body: ndjson(7, 'old') });
    await new Promise((r) => setTimeout(r, 300));
    expect((await api.get('/v1/runs/r-stale/batches', key)).body.items[0]).toMatchObject({ state: 'pending', phase: 'awaiting_upload' });
    await fetch(second.uploadUrl, { method: 'PUT', body: ndjson(3, 'new') });
    expect(await settled('r-stale', 0)).toMatchObject({ state: 'done', received: 3 });
  });

  it('counts concurrent uploads of distinct batches exactly', async () => {
    await startRun('r-many');
    await Promise.all(Array.from({ length: 8 }, (_, n) => upload('r-many', n, ndjson(250, `m${n}`, 5))));
    for (let n = 0; n < 8; n += 1) expect((await settled('r-many', n)).state).toBe('done');
    const done = await api.post('/v1/runs/r-many/complete', key);
    expect(done.body).toMatchObject({ itemsTotal: 2000, itemsProcessed: 1600, itemsFailed: 400, batchCount: 8 });
  });

  it('will not complete a run while an upload is awaited, nor take the batch inline', async () => {
    await startRun('r-wait');
    await api.post('/v1/runs/r-wait/uploads', key, { batchType: 'records_updated', batchNumber: 0 });
    const early = await api.post('/v1/runs/r-wait/complete', key);
    expect(early.status).toBe(409);
    expect(early.body.error.details).toEqual({ batches: [{ batchType: 'records_updated', batchNumber: 0, reason: 'awaiting_upload', until: expect.any(String) }] });
    expect((await api.post('/v1/runs/r-wait/batches', key, batch({}, records(2)))).status).toBe(409);
  });

  it('refuses bad upload requests', async () => {
    await startRun('r-refuse');
    for (const body of [{ batchType: '../x', batchNumber: 0 }, { batchType: 'a', batchNumber: -1 }, { batchType: 'a', batchNumber: 0, contentEncoding: 'br' }, { batchType: 'a' }]) {
      expect((await api.post('/v1/runs/r-refuse/uploads', key, body)).status).toBe(400);
    }
    await api.post('/v1/runs/r-refuse/batches', key, batch({}, records(2)));
    expect((await api.post('/v1/runs/r-refuse/uploads', key, { batchType: 'records_updated', batchNumber: 0 })).status).toBe(200);
    expect((await api.post('/v1/runs/nope/uploads', key, { batchType: 'a', batchNumber: 0 })).status).toBe(404);
  });
});
