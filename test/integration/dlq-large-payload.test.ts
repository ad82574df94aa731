import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dlqItemsOf, getDlqItem, PAYLOAD_PREVIEW_BYTES } from '#domain/dlq.ts';
import { trackingFileKey } from '#domain/tracking-row.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { batch, syncConfig } from '../support/fixtures.ts';

/** DynamoDB refuses items over 400 KB; this payload alone is more. */
const bigPayload = (fill = 'x') => ({ blob: fill.repeat(450_000) });
const bigRecord = (identifier = 'big', payload = bigPayload()) => ({ status: 'rejected', statusMessage: 'Payload too large for the audience API', final: true, identifier, payload });

let stack: TestStack;
let api: Api;
let org: Awaited<ReturnType<typeof createOrgWithKeys>>;

const dlq = async (query = '') => (await api.get(`/v1/dlq${query}`, org.key)).body.items as any[];
const replays = async () => (await api.get('/v1/replays', org.key)).body.items as any[];
const itemOf = async (identifier: string) => (await dlq()).find((i) => i.identifier === identifier);

async function postRun(runId: string, records: Parameters<typeof batch>[1]) {
  expect((await api.post('/v1/syncs/big/runs', org.key, { runId })).status).toBe(201);
  return api.post(`/v1/runs/${runId}/batches`, org.key, batch({}, records));
}

beforeAll(async () => {
  // Row-level records are kept 1 day, run history (and DLQ items) 30: items outlive their files.
  stack = await startTestStack({ retentionDays: 1, historyRetentionDays: 30 });
  api = apiClient(stack.url);
  org = await createOrgWithKeys(api, 'dlq-big');
  await api.put('/v1/syncs/big', org.key, syncConfig());
});
afterAll(async () => {
  await stack.stop();
});

describe('a final rejected record with a 450 KB payload', () => {
  const sent = bigPayload();
  const sentText = JSON.stringify(sent);
  let firstAnswer: any;

  it('is accepted and counted', async () => {
    // Act
    const response = await postRun('r1', [bigRecord('big', sent), { identifier: 'small', status: 'succeeded' }]);
    firstAnswer = response.body;
    // Assert
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ received: 2, succeeded: 1, failed: 1 });
  });

  it('is listed in the DLQ with a preview of at most 4 KiB and where the whole record is', async () => {
    // Act
    const item = await itemOf('big');
    // Assert
    expect(item).toMatchObject({
      runId: 'r1',
      rowNumber: 0,
      payload: null,
      payloadTruncated: true,
      payloadAvailable: true,
      payloadBytes: Buffer.byteLength(sentText),
      fileKey: trackingFileKey(org.orgId, 'big', 'r1', 'records_updated', 0),
      statusMessage: 'Payload too large for the audience API',
    });
    expect(Buffer.byteLength(item.payloadPreview)).toBeLessThanOrEqual(PAYLOAD_PREVIEW_BYTES);
    expect(Buffer.byteLength(item.payloadPreview)).toBeGreaterThan(PAYLOAD_PREVIEW_BYTES - 4);
    expect(sentText.startsWith(item.payloadPreview)).toBe(true);
  });

  it('is shown whole in detail, read back from its parquet file', async () => {
    // Arrange
    const item = await itemOf('big');
    // Act
    const detail = await getDlqItem(stack.deps, { kind: 'key', orgId: org.orgId, keyId: org.keyId, scopes: ['read'] }, item.itemId);
    // Assert
    expect(detail).toMatchObject({ itemId: item.itemId, payloadTruncated: false, payloadAvailable: true, payloadBytes: Buffer.byteLength(sentText) });
    expect(detail.payload).toEqual(sent);
    expect(detail).not.toHaveProperty('payloadPreview');
  });

  it('answers 200 to a retried identical post, and adds no second item', async () => {
    // Act
    const retry = await api.post('/v1/runs/r1/batches', org.key, batch({}, [bigRecord('big', sent), { identifier: 'small', status: 'succeeded' }]));
    // Assert
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(firstAnswer);
    expect((await dlq()).filter((i) => i.identifier === 'big')).toHaveLength(1);
    expect((await api.get('/v1/runs/r1', org.key)).body.records).toMatchObject({ received: 2, failed: 1 });
  });

  it('is stored once when a retry adds its items again (a crash between count and done)', async () => {
    // Arrange: the rows as the retry would classify them, read back from the batch file.
    const run = (await stack.deps.runs.get(org.orgId, 'r1'))!;
    const rows = await stack.deps.files.readRows(trackingFileKey(org.orgId, 'big', 'r1', 'records_updated', 0), 0, 2);
    const items = dlqItemsOf(rows, run, new Date().toISOString());
    // Act
    await stack.deps.dlq.addItems(items);
    await stack.deps.dlq.addItems(items);
    // Assert
    expect(items).toHaveLength(1);
    expect((await dlq()).filter((i) => i.identifier === 'big').map((i) => i.itemId)).toEqual([items[0]!.itemId]);
  });

  it('replays with the whole payload, read back from its parquet file', async () => {
    // Arrange
    const item = await itemOf('big');
    // Act
    const replayed = await api.post(`/v1/dlq/${item.itemId}/replay`, org.key);
    // Assert
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ state: 'replayed', eventId: expect.stringMatching(/^evt_/) });
    const [event] = await replays();
    expect(event).toMatchObject({ eventId: replayed.body.eventId, type: 'dlq.replay', item: { itemId: item.itemId, identifier: 'big', payloadTruncated: false, payloadAvailable: true, payloadBytes: sentText.length } });
    expect(event.item.payload).toEqual(sent);
    expect(event.item).not.toHaveProperty('payloadPreview');
  });

  it('puts a record up to 64 KiB whole into the replay event itself', async () => {
    // Arrange: 20 KB, over the preview, under what an event carries.
    const medium = { blob: 'ü'.repeat(10_000) };
    await postRun('r4', [bigRecord('medium', medium)]);
    const item = await itemOf('medium');
    expect(item).toMatchObject({ payload: null, payloadTruncated: true, payloadBytes: Buffer.byteLength(JSON.stringify(medium)) });
    // Act
    const replayed = await api.post(`/v1/dlq/${item.itemId}/replay`, org.key);
    await stack.deps.files.delete(item.fileKey);
    // Assert: whole, though its file is gone by now.
    const event = (await replays()).find((e) => e.eventId === replayed.body.eventId);
    expect(event.item).toMatchObject({ payload: medium, payloadTruncated: false, payloadAvailable: true });
  });

  it('replays with the preview, saying so, when the file is gone', async () => {
    // Arrange
    await postRun('r2', [bigRecord('lost', bigPayload('é'))]);
    const item = await itemOf('lost');
    await stack.deps.files.delete(item.fileKey);
    // Act
    const replayed = await api.post(`/v1/dlq/${item.itemId}/replay`, org.key);
    // Assert
    expect(replayed.status).toBe(200);
    const events = await replays();
    expect(events.find((e) => e.eventId === replayed.body.eventId).item).toMatchObject({ identifier: 'lost', payload: null, payloadTruncated: true, payloadAvailable: false, payloadPreview: item.payloadPreview });
    expect(events.find((e) => e.item.identifier === 'big').item.payload).toEqual(sent);
  });

  it('answers the preview, saying so, once the records are past their retention', async () => {
    // Arrange
    await postRun('r3', [bigRecord('late')]);
    stack.clock.advanceDays(2);
    // Act
    const item = await itemOf('late');
    const replayed = await api.post(`/v1/dlq/${item.itemId}/replay`, org.key);
    const listed = await api.get('/v1/replays', org.key);
    // Assert
    expect(item).toMatchObject({ payload: null, payloadTruncated: true, payloadAvailable: false });
    expect(replayed.status).toBe(200);
    expect(listed.status).toBe(200);
    const byIdentifier = new Map(listed.body.items.map((e: any) => [e.item.identifier, e.item]));
    for (const identifier of ['late', 'big']) {
      expect(byIdentifier.get(identifier)).toMatchObject({ payload: null, payloadTruncated: true, payloadAvailable: false, payloadPreview: expect.any(String) });
    }
    // What the event itself carried stays whole.
    expect(byIdentifier.get('medium')).toMatchObject({ payloadTruncated: false, payloadAvailable: true });
  });
});
