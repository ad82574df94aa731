import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createClients } from '#adapters/clients.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { batch, records, syncConfig } from '../support/fixtures.ts';

let stack: TestStack;
let api: Api;
let key: string;
let adminKey: string;
let webhookId: string;

/** Everything stored, table and bucket: a bad request must leave this unchanged. */
async function snapshot() {
  const { dynamo, s3 } = createClients(stack.settings);
  const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: stack.settings.table, ConsistentRead: true }));
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: stack.settings.bucket }));
  return {
    items: Items.map((i) => JSON.stringify(i, (_k, v) => (v instanceof Set ? [...v].sort() : v))).sort(),
    objects: Contents.map((c) => `${c.Key}:${c.ETag}`).sort(),
  };
}

beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack.url);
  ({ key, adminKey } = await createOrgWithKeys(api, 'bad'));
  await api.put('/v1/syncs/s', key, syncConfig());
  await api.post('/v1/syncs/s/runs', key, { runId: 'r' });
  await api.post('/v1/runs/r/batches', key, batch({}, records(3)));
  ({ webhookId } = (await api.post('/v1/webhooks', adminKey, { url: 'https://hooks.example.com/x' })).body);
});
afterAll(async () => {
  await stack.stop();
});

/** Sends the path exactly as written: fetch would collapse `%2E%2E` before sending. */
function rawPost(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const url = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const good = batch({ batchNumber: 1 }, records(2));
const withRecord = (record: object) => ({ ...good, records: [record] });

type Case = [string, () => Promise<{ status: number; body: any }>, number, string, string?];

/** Query-side ids follow the write side's rule: each of these would escape or confuse an S3 prefix. */
const unsafeSyncIds = ['a/b', '../x', '.'];
const syncIdCases = ['/v1/stats', '/v1/logs', '/v1/identifiers/a/timeline', '/v1/dlq', '/v1/runs', '/v1/audit'].flatMap((path) =>
  unsafeSyncIds.map((id): Case => [`a syncId of "${id}" on ${path}`, () => api.get(`${path}?syncId=${encodeURIComponent(id)}`, key), 400, 'invalid_request']),
);

/** Shaped like dates, but no calendar has them; and a timestamp that leaves four-digit years once in UTC. */
const impossibleDates = ['2026-13-45', '2026-02-30', '2025-02-29', '2026-04-31', '2026-00-10', '9999-12-31T23:59:59-23:59'];
const dateCases = ['/v1/stats', '/v1/logs', '/v1/identifiers/a/timeline', '/v1/runs', '/v1/audit'].flatMap((path) =>
  impossibleDates.flatMap((date) =>
    (['from', 'to'] as const).map((bound): Case => [`${bound}=${date} on ${path}`, () => api.get(`${path}?${bound}=${encodeURIComponent(date)}`, key), 400, 'invalid_request']),
  ),
);

const b64 = (text: string) => Buffer.from(text).toString('base64url');
/** Cursors this API never issued: random bytes, positions of the wrong shape, another org's position, not JSON. */
const forgedCursors: Array<[string, string]> = [
  ['random base64url', 'q83vASNFZ4mrze8BI0VniQ3x-_0'],
  ['base64url of {"k":"x"}', b64('{"k":"x"}')],
  ['a position in another org', b64(JSON.stringify({ k: 'ORG#other-org#SYNC#s' }))],
  ['a dated position in another org', b64(JSON.stringify({ k: '2026-11-23T06:00:00.000Z#ORG#other-org#RUNS' }))],
  ['a position with a partition key', b64(JSON.stringify({ pk: 'ORG#other-org#AUDIT', k: 'SYNC#s' }))],
  ['base64url of non-JSON', b64('not json at all')],
  ['text that is not base64url', '{"k":"SYNC#s"}'],
];
const listings: Array<[string, (cursor: string) => Promise<{ status: number; body: any }>]> = [
  ['/v1/syncs', (c) => api.get(`/v1/syncs?cursor=${encodeURIComponent(c)}`, key)],
  ['/v1/destinations', (c) => api.get(`/v1/destinations?cursor=${encodeURIComponent(c)}`, key)],
  ['/v1/audit', (c) => api.get(`/v1/audit?cursor=${encodeURIComponent(c)}`, key)],
  ['/v1/runs', (c) => api.get(`/v1/runs?cursor=${encodeURIComponent(c)}`, key)],
  ['/v1/dlq', (c) => api.get(`/v1/dlq?cursor=${encodeURIComponent(c)}`, key)],
  ['/v1/replays', (c) => api.get(`/v1/replays?cursor=${encodeURIComponent(c)}`, key)],
  ['/v1/logs', (c) => api.get(`/v1/logs?cursor=${encodeURIComponent(c)}`, key)],
  ['/v1/identifiers/a/timeline', (c) => api.get(`/v1/identifiers/a/timeline?cursor=${encodeURIComponent(c)}`, key)],
  ['webhook deliveries', (c) => api.get(`/v1/webhooks/${webhookId}/deliveries?cursor=${encodeURIComponent(c)}`, adminKey)],
];
const cursorCases = listings.flatMap(([where, list]) =>
  forgedCursors.map(([what, cursor]): Case => [`a forged cursor (${what}) on ${where}`, () => list(cursor), 400, 'invalid_request', 'cursor is not one this API issued']),
);

const cases: Case[] = [
  ['malformed JSON', () => api.call('POST', '/v1/runs/r/batches', key, '{"batchType": "records_updated",'), 400, 'invalid_json'],
  ['an empty body', () => api.call('POST', '/v1/runs/r/batches', key, ''), 400, 'invalid_request'],
  ['a JSON array body', () => api.post('/v1/runs/r/batches', key, [good]), 400, 'invalid_request'],
  ['a non-JSON content type', () => api.call('POST', '/v1/runs/r/batches', key, JSON.stringify(good), { 'content-type': 'text/csv' }), 415, 'unsupported_media_type'],
  ['batchNumber as a string', () => api.post('/v1/runs/r/batches', key, { ...good, batchNumber: '1' }), 400, 'invalid_request'],
  ['records as an object', () => api.post('/v1/runs/r/batches', key, { ...good, records: {} }), 400, 'invalid_request'],
  ['an unknown record status', () => api.post('/v1/runs/r/batches', key, withRecord({ identifier: 'a', status: 'kinda', payload: {} })), 400, 'invalid_request'],
  ['a producer-sent DUPLICATE status', () => api.post('/v1/runs/r/batches', key, withRecord({ identifier: 'a', status: 'DUPLICATE' })), 400, 'invalid_request'],
  ['a record without status', () => api.post('/v1/runs/r/batches', key, withRecord({ identifier: 'a' })), 400, 'invalid_request'],
  ['an identifier that is an object', () => api.post('/v1/runs/r/batches', key, withRecord({ identifier: { id: 1 }, status: 'succeeded' })), 400, 'invalid_request'],
  ['a batchType escaping its prefix', () => api.post('/v1/runs/r/batches', key, { ...good, batchType: '../../other-org/x' }), 400, 'invalid_request'],
  ['a batchType with a slash', () => api.post('/v1/runs/r/batches', key, { ...good, batchType: 'a/b' }), 400, 'invalid_request'],
  ['a runId of ".." in the path, sent raw', () => rawPost('/v1/runs/%2E%2E/batches', good), 400, 'invalid_request'],
  ['a runId of ".." that a client collapses', () => api.post('/v1/runs/%2E%2E/batches', key, good), 404, 'not_found'],
  ['a runId with an encoded slash', () => api.post('/v1/runs/r%2F..%2Fx/batches', key, good), 400, 'invalid_request'],
  ['a syncId escaping its prefix', () => api.put('/v1/syncs/..%2Fx', key, syncConfig()), 400, 'invalid_request'],
  ['a syncId starting with a dot', () => api.post('/v1/syncs/.hidden/runs', key, {}), 400, 'invalid_request'],
  ['a runId in the start body escaping its prefix', () => api.post('/v1/syncs/s/runs', key, { runId: '../r2' }), 400, 'invalid_request'],
  ['an inline batch over the limit', () => api.post('/v1/runs/r/batches', key, { ...good, records: [{ identifier: 'a', status: 'succeeded', payload: { blob: 'x'.repeat(5_300_000) } }] }), 413, 'payload_too_large'],
  ['a body over the API limit', () => api.call('POST', '/v1/runs/r/batches', key, 'x'.repeat(11 * 1024 * 1024)), 413, 'payload_too_large'],
  ['an oversized sync body', () => api.put('/v1/syncs/big', key, { ...syncConfig(), name: 'x'.repeat(300_000) }), 413, 'payload_too_large'],
  ['a sync with an unknown sync type', () => api.put('/v1/syncs/s2', key, { ...syncConfig(), syncType: 'email' }), 400, 'invalid_request'],
  ['a sync with an unknown field', () => api.put('/v1/syncs/s2', key, { ...syncConfig(), colour: 'blue' }), 400, 'invalid_request'],
  ['a sync without a destination', () => api.put('/v1/syncs/s2', key, { ...syncConfig(), destination: undefined }), 400, 'invalid_request'],
  ['a start with a bad date', () => api.post('/v1/syncs/s/runs', key, { startedAt: '23/11/2026' }), 400, 'invalid_request'],
  ['a complete with a negative total', () => api.post('/v1/runs/r/complete', key, { itemsTotal: -1 }), 400, 'invalid_request'],
  ['a complete with an unknown status', () => api.post('/v1/runs/r/complete', key, { status: 'complete' }), 400, 'invalid_request'],
  ['a complete with a bad maxEventDate', () => api.post('/v1/runs/r/complete', key, { maxEventDate: 'soon' }), 400, 'invalid_request'],
  ['a stats date that is not a date', () => api.get('/v1/stats?from=last-week', key), 400, 'invalid_request'],
  ['stats with from after to', () => api.get('/v1/stats?from=2026-11-05&to=2026-11-01', key), 400, 'invalid_request'],
  ['a stats source id over 256 characters', () => api.get(`/v1/stats?sourceId=${'x'.repeat(257)}`, key), 400, 'invalid_request'],
  ['a stats status that is no status', () => api.get('/v1/stats?status=great', key), 400, 'invalid_request'],
  ['a logs source id over 256 characters', () => api.get(`/v1/logs?sourceId=${'x'.repeat(257)}`, key), 400, 'invalid_request'],
  ['an audit date that is not a date', () => api.get('/v1/audit?to=soon', key), 400, 'invalid_request'],
  ['an audit syncId escaping its prefix', () => api.get('/v1/audit?syncId=..%2Fx', key), 400, 'invalid_request'],
  ['an unknown DLQ state', () => api.get('/v1/dlq?state=lost', key), 400, 'invalid_request'],
  ['a replays limit of 0', () => api.get('/v1/replays?limit=0', key), 400, 'invalid_request'],
  ['an unknown facets filter', () => api.get('/v1/logs/facets?colour=red', key), 400, 'invalid_request'],
  ['a forged instance cursor', () => api.get('/v1/instances/erp?cursor=forged', key), 400, 'invalid_request'],
  ['a syncs limit that is not a number', () => api.get('/v1/syncs?limit=many', key), 400, 'invalid_request'],
  ['a forged destinations cursor', () => api.get('/v1/destinations?cursor=forged', key), 400, 'invalid_request'],
  ['a coverage syncId escaping its prefix', () => api.get('/v1/syncs/..%2Fx/coverage', key), 400, 'invalid_request'],
  ['a batches runId escaping its prefix', () => api.get('/v1/runs/..%2Fx/batches', key), 400, 'invalid_request'],
  ['a malformed key id to revoke', () => api.del('/v1/keys/NOT-A-KEY', adminKey), 400, 'invalid_request'],
  ['a webhook URL that is not http(s)', () => api.post('/v1/webhooks', adminKey, { url: 'file:///etc/passwd' }), 400, 'invalid_request'],
  ['a webhook with an unknown event type', () => api.post('/v1/webhooks', adminKey, { url: 'https://hooks.example.com/x', events: ['run.exploded'] }), 400, 'invalid_request'],
  ['a webhook added without the admin scope', () => api.post('/v1/webhooks', key, { url: 'https://hooks.example.com/x' }), 403, 'forbidden'],
  ['a malformed webhook id to test', () => api.post('/v1/webhooks/../test', adminKey, {}), 404, 'not_found'],
  ['the deliveries of an unknown webhook', () => api.get('/v1/webhooks/whk_00000000000000000000000000/deliveries', adminKey), 404, 'not_found'],
  ['alert rules with a rule twice', () => api.put('/v1/syncs/s/alerts', adminKey, { rules: [{ type: 'run_error' }, { type: 'run_error' }] }), 400, 'invalid_request'],
  ['an alert rule of an unknown type', () => api.put('/v1/syncs/s/alerts', adminKey, { rules: [{ type: 'vibes' }] }), 400, 'invalid_request'],
  ['a coverage alert without its window', () => api.put('/v1/syncs/s/alerts', adminKey, { rules: [{ type: 'low_coverage', below: 0.9 }] }), 400, 'invalid_request'],
  ['a freshness alert on a sync that is not a signal sync', () => api.put('/v1/syncs/s/alerts', adminKey, { rules: [{ type: 'freshness', maxAgeHours: 24 }] }), 400, 'invalid_request'],
  ['alert rules set without the admin scope', () => api.put('/v1/syncs/s/alerts', key, { rules: [] }), 403, 'forbidden'],
  ['a lineage event without a job', () => api.post('/v1/lineage', key, { eventType: 'START', eventTime: '2026-11-23T06:00:00Z', run: { runId: 'r9' } }), 400, 'invalid_request'],
  ['a lineage runId escaping its prefix', () => api.post('/v1/lineage', key, { eventType: 'START', eventTime: '2026-11-23T06:00:00Z', run: { runId: '../r' }, job: { namespace: 'n', name: 'j' } }), 400, 'invalid_request'],
  ['a lineage event of an unknown type', () => api.post('/v1/lineage', key, { eventType: 'PAUSE', eventTime: '2026-11-23T06:00:00Z', run: { runId: 'r9' }, job: { namespace: 'n', name: 'j' } }), 400, 'invalid_request'],
  ['a timeline limit over the maximum', () => api.get('/v1/identifiers/a/timeline?limit=5000', key), 400, 'invalid_request'],
  ['a forged timeline cursor', () => api.get('/v1/identifiers/a/timeline?cursor=forged', key), 400, 'invalid_request'],
  ['a dead-letter item id of the wrong form', () => api.get('/v1/dlq/not-an-item', key), 400, 'invalid_request'],
  ['a dead-letter item that does not exist', () => api.get(`/v1/dlq/dlq_${'0'.repeat(32)}`, key), 404, 'not_found'],
  ['an unknown route', () => api.get('/v1/nothing-here', key), 404, 'not_found'],
  ['a wrong method', () => api.call('PATCH', '/v1/syncs/s', key, {}), 405, 'method_not_allowed'],
  ...syncIdCases,
  ...dateCases,
  ...cursorCases,
];

describe('bad input gets a clear 4xx JSON error and writes nothing', () => {
  it.each(cases)('%s', async (_name, send, status, code, message) => {
    // Arrange
    const before = await snapshot();
    // Act
    const response = await send();
    // Assert
    expect(response.status).toBe(status);
    expect(response.body.error).toMatchObject({ code, message: message ?? expect.any(String) });
    expect(await snapshot()).toEqual(before);
  });

  it('names the upload endpoint when a batch is too large to post inline', async () => {
    const response = await api.post('/v1/runs/r/batches', key, { ...good, records: [{ identifier: 'a', status: 'succeeded', payload: { blob: 'x'.repeat(5_300_000) } }] });
    expect(response.body.error.message).toContain('/v1/runs/r/uploads');
    expect(response.body.error.details).toMatchObject({ uploadEndpoint: '/v1/runs/r/uploads', maxBytes: 5 * 1024 * 1024 });
  });

  it('points at the offending record and field', async () => {
    const response = await api.post('/v1/runs/r/batches', key, { ...good, records: [...good.records, { identifier: 'x', status: 'maybe' }] });
    expect(response.body.error.details).toEqual([{ path: 'records.2.status', message: expect.stringContaining('unknown status') }]);
  });

  it.each([
    ['a batch without startedAt', () => api.post('/v1/runs/r/batches', key, { ...good, startedAt: undefined }), 'invalid body: startedAt: required', [{ path: 'startedAt', message: 'required' }]],
    [
      'a sync without a destination or a sync type',
      () => api.put('/v1/syncs/s2', key, { ...syncConfig(), destination: undefined, syncType: undefined }),
      'invalid body: syncType: required (and 1 more in details)',
      [
        { path: 'syncType', message: 'required' },
        { path: 'destination', message: 'required' },
      ],
    ],
  ] as const)('names a required field left out: %s', async (_name, send, message, details) => {
    // Act
    const response = await send();
    // Assert
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({ code: 'invalid_request', message, details: expect.arrayContaining([...details]) });
    expect(response.body.error.details).toHaveLength(details.length);
    expect(JSON.stringify(response.body)).not.toContain('received undefined');
  });

  it('keeps the message of a field that is there but wrong', async () => {
    const response = await api.post('/v1/runs/r/batches', key, { ...good, batchNumber: 'one' });
    expect(response.body.error.details).toEqual([{ path: 'batchNumber', message: 'Invalid input: expected number, received string' }]);
  });

  it.each([65, 5_000])('refuses a payload nested %i levels deep (at most 64) with 400, writing nothing', async (depth) => {
    // Arrange: JSON text, as a producer would send it (JSON.stringify itself gives up near 10,000).
    const deep = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const body = `{"batchType":"records_updated","batchNumber":7,"startedAt":"${good.startedAt}","endedAt":"${good.endedAt}","records":[{"identifier":"d","status":"succeeded","payload":${deep}}]}`;
    const before = await snapshot();
    // Act
    const response = await api.post('/v1/runs/r/batches', key, body);
    // Assert
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ path: 'records.0.payload', message: 'payload nests deeper than 64 levels' }]);
    expect(await snapshot()).toEqual(before);
  });

  it('checks the key before looking at the body', async () => {
    const response = await api.call('POST', '/v1/runs/r/batches', undefined, '{not json');
    expect(response.status).toBe(401);
  });
});

describe('a well-formed cursor from elsewhere only moves through the caller\'s own data', () => {
  let otherKey: string;
  /** Real cursors, each issued to another org ("elsewhere") by a listing of its own. */
  const issued: Record<string, string> = {};

  beforeAll(async () => {
    ({ key: otherKey } = await createOrgWithKeys(api, 'elsewhere'));
    for (const syncId of ['elsewhere-1', 'elsewhere-2', 'elsewhere-3']) await api.put(`/v1/syncs/${syncId}`, otherKey, syncConfig());
    for (const runId of ['elsewhere-run-1', 'elsewhere-run-2']) await api.post('/v1/syncs/elsewhere-1/runs', otherKey, { runId });
    for (const path of ['/v1/syncs', '/v1/destinations', '/v1/audit', '/v1/runs']) {
      const page = await api.get(`${path}?limit=1`, otherKey);
      expect(page.body.nextCursor).toEqual(expect.any(String));
      issued[path] = page.body.nextCursor;
    }
  });

  it.each(['/v1/syncs', '/v1/destinations', '/v1/audit', '/v1/runs'])('%s answers the caller\'s items, or 400, never the other org\'s', async (path) => {
    // Arrange
    const before = await snapshot();
    // Act
    const response = await api.get(`${path}?cursor=${issued[path]}`, key);
    // Assert
    expect([200, 400]).toContain(response.status);
    if (response.status === 400) expect(response.body.error).toMatchObject({ code: 'invalid_request', message: 'cursor is not one this API issued' });
    expect(JSON.stringify(response.body)).not.toContain('elsewhere');
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['/v1/audit', '/v1/audit?to=2000-01-01'],
    ['/v1/runs', '/v1/runs?to=2000-01-01'],
    ['/v1/runs', '/v1/runs?from=2000-01-01&to=2000-01-02'],
    ['/v1/audit', '/v1/audit?from=2999-01-01'],
  ])('a %s cursor used outside the bounds it was issued for (%s) answers 400 or an empty page', async (path, listing) => {
    // Arrange
    const cursor = (await api.get(`${path}?limit=1`, key)).body.nextCursor;
    expect(cursor).toEqual(expect.any(String));
    // Act
    const response = await api.get(`${listing}&cursor=${cursor}`, key);
    // Assert
    if (response.status === 200) expect(response.body.items).toEqual([]);
    else expect(response).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', message: 'cursor is not one this API issued' } } });
  });
});
