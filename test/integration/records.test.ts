import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '#domain/error-catalogue.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { batch, records, syncConfig, type RecordSpec } from '../support/fixtures.ts';

let stack: TestStack;
let api: Api;
let org: Awaited<ReturnType<typeof createOrgWithKeys>>;

/** Batch 0: 20 records, every 4th rejected; batch 1: NULL, DUPLICATE and varied failures. */
const batch1: RecordSpec[] = [
  { identifier: 'ana@example.com' },
  { identifier: null },
  { identifier: 'ana@example.com' },
  { identifier: 'bob@example.com', status: 'failed', statusMessage: '429 Too Many Requests' },
  { identifier: 'cy@example.com', status: 'partial success' },
  { identifier: '=cmd|calc', status: 'rejected', statusMessage: 'Invalid email, "quoted"' },
];

beforeAll(async () => {
  stack = await startTestStack({ retentionDays: 14, historyRetentionDays: 30 });
  api = apiClient(stack.url);
  org = await createOrgWithKeys(api, 'rec');
  await api.put('/v1/syncs/meta', org.key, syncConfig());
  await api.post('/v1/syncs/meta/runs', org.key, { runId: 'run-1' });
  await api.post('/v1/runs/run-1/batches', org.key, batch({ batchNumber: 0 }, records(20, 4)));
  await api.post('/v1/runs/run-1/batches', org.key, batch({ batchNumber: 1 }, batch1));
});
afterAll(async () => {
  await stack.stop();
});

const list = async (query: string, runId = 'run-1') => api.get(`/v1/runs/${runId}/records${query}`, org.key);
const ids = async (query: string) => (await list(query)).body.items.map((r: any) => r.identifier);

describe('row-level records', () => {
  it('shows records while the run is still running, newest batch first, with Sync Tracking fields', async () => {
    const { status, body } = await list('?limit=3');
    expect(status).toBe(200);
    expect(body.items.map((r: any) => [r.batchNumber, r.rowNumber])).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    expect(body.items[0]).toMatchObject({
      identifier: 'ana@example.com',
      status: 'succeeded',
      statusMessage: null,
      operation: 'upsert',
      batchStartedAt: '2026-11-20T10:00:00.000Z',
      batchEndedAt: '2026-11-20T10:00:05.000Z',
      payload: { email: 'ana@example.com' },
    });
  });

  it.each([
    ['?status=rejected', ['bob@example.com', '=cmd|calc', 'user-0@example.com', 'user-4@example.com', 'user-8@example.com', 'user-12@example.com', 'user-16@example.com']],
    ['?status=NULL', [null]],
    ['?status=DUPLICATE', ['ana@example.com']],
    ['?status=invalid', [null, 'ana@example.com']],
    ['?status=partial%20success', ['cy@example.com']],
    ['?status=failed,NULL', [null, 'bob@example.com', '=cmd|calc', 'user-0@example.com', 'user-4@example.com', 'user-8@example.com', 'user-12@example.com', 'user-16@example.com']],
    ['?identifier=user-12@example.com', ['user-12@example.com']],
    ['?identifier=user-1*', ['user-1@example.com', 'user-10@example.com', 'user-11@example.com', 'user-12@example.com', 'user-13@example.com', 'user-14@example.com', 'user-15@example.com', 'user-16@example.com', 'user-17@example.com', 'user-18@example.com', 'user-19@example.com']],
    ['?identifier=ana@example.com', ['ana@example.com', 'ana@example.com']],
    ['?identifier=user-1*&status=rejected', ['user-12@example.com', 'user-16@example.com']],
    ['?identifier=nobody', []],
  ])('filters with %s', async (query, expected) => {
    expect(await ids(query)).toEqual(expected);
  });

  it('pages with a stable cursor, even when new batches arrive between pages', async () => {
    // Arrange
    await api.post('/v1/syncs/meta/runs', org.key, { runId: 'run-pages' });
    await api.post('/v1/runs/run-pages/batches', org.key, batch({ batchNumber: 0 }, records(7, 0, 'a')));
    await api.post('/v1/runs/run-pages/batches', org.key, batch({ batchNumber: 1 }, records(5, 0, 'b')));
    const seen: string[] = [];
    // Act
    let page = (await list('?limit=4', 'run-pages')).body;
    seen.push(...page.items.map((r: any) => r.identifier));
    await api.post('/v1/runs/run-pages/batches', org.key, batch({ batchNumber: 2 }, records(3, 0, 'late')));
    while (page.nextCursor) {
      page = (await list(`?limit=4&cursor=${page.nextCursor}`, 'run-pages')).body;
      seen.push(...page.items.map((r: any) => r.identifier));
    }
    // Assert: every record of the batches that existed at the start, once, in order.
    expect(seen).toEqual([...records(5, 0, 'b'), ...records(7, 0, 'a')].map((r) => r.identifier));
  });

  it('answers 409 for a dry run and 410 past the retention window', async () => {
    await api.post('/v1/syncs/meta/runs', org.key, { runId: 'dry', dryRun: true });
    const dry = await list('', 'dry');
    expect(dry.status).toBe(409);
    expect(dry.body.error.message).toMatch(/dry run/);

    stack.clock.advanceDays(15);
    try {
      const gone = await list('');
      expect(gone.status).toBe(410);
      expect(gone.body.error).toMatchObject({ code: 'gone', details: { recordsExpireAt: expect.any(String) } });
      expect((await api.get('/v1/runs/run-1/records/export', org.key)).status).toBe(410);
      expect((await api.get('/v1/runs/run-1/errors', org.key)).status).toBe(410);
      const run = await api.get('/v1/runs/run-1', org.key);
      expect(run.body).toMatchObject({ status: 'running', recordsAvailable: false });
    } finally {
      stack.clock.advanceDays(-15);
    }
  });

  it('refuses bad record queries with 400', async () => {
    for (const query of ['?status=maybe', '?limit=0', '?cursor=nonsense', '?identifier=', '?order=asc']) {
      expect((await list(query)).status, query).toBe(400);
    }
  });
});

describe('export', () => {
  it('downloads the filtered records as CSV, row count equal to the filtered count', async () => {
    const response = await fetch(`${stack.url}/v1/runs/run-1/records/export?format=csv&status=rejected`, { headers: { authorization: `Bearer ${org.key}` } });
    const text = await response.text();
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="meta-run-1-records.csv"');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe('identifier,status,status_message,operation,reported_status,target_id,entity_type,event_date,batch_type,batch_number,row_number,batch_started_at,batch_ended_at,record_payload');
    expect(lines).toHaveLength(1 + (await ids('?status=rejected')).length);
    expect(text).toContain(`'=cmd|calc,rejected,"Invalid email, ""quoted""",`);
  });

  it('downloads NDJSON, honouring limit', async () => {
    const response = await fetch(`${stack.url}/v1/runs/run-1/records/export?format=ndjson&limit=5`, { headers: { authorization: `Bearer ${org.key}` } });
    const lines = (await response.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ identifier: 'ana@example.com', batchNumber: 1 });
  });

  it('refuses an unknown format and an oversized limit', async () => {
    expect((await api.get('/v1/runs/run-1/records/export?format=xlsx', org.key)).status).toBe(400);
    expect((await api.get('/v1/runs/run-1/records/export?limit=10001', org.key)).status).toBe(400);
  });
});

describe('error patterns', () => {
  it('groups failures by message, with counts, samples and categories', async () => {
    const { body } = await api.get('/v1/runs/run-1/errors', org.key);
    expect(body.failed).toBe(9);
    expect(body.items).toEqual([
      expect.objectContaining({ statusMessage: 'Invalid email format', count: 5, category: 'data', resolutionKey: 'invalid-format', sampleIdentifiers: ['user-0@example.com', 'user-4@example.com', 'user-8@example.com', 'user-12@example.com', 'user-16@example.com'] }),
      expect.objectContaining({ statusMessage: '429 Too Many Requests', count: 1, category: 'connectivity', resolutionKey: 'rate-limited', statuses: ['rejected'] }),
      expect.objectContaining({ statusMessage: 'identifier appears more than once in this batch', statuses: ['DUPLICATE'], category: 'data', resolutionKey: 'duplicate' }),
      expect.objectContaining({ statusMessage: 'Invalid email, "quoted"', category: 'data' }),
      expect.objectContaining({ statusMessage: 'record has no identifier', statuses: ['NULL'], sampleIdentifiers: [], resolutionKey: 'missing-identifier' }),
    ]);
  });

  it('classifies a message of every catalogue pattern, and unknown ones as unknown', async () => {
    const messages: Record<string, string> = {
      'token-expired': 'OAuth access token expired',
      'authentication-failed': '401 Unauthorized',
      'rate-limited': 'Rate limit exceeded for ad account',
      timeout: 'Request timed out after 30s',
      'destination-unavailable': '503 Service Unavailable',
      'missing-identifier': 'record has no identifier',
      duplicate: 'Contact already exists',
      'missing-required-field': 'Field "email" is required',
      'value-too-long': 'first_name is too long (max 40)',
      'invalid-format': 'Invalid phone number',
      'object-not-found': 'Audience 123 not found',
    };
    expect(Object.keys(messages).sort()).toEqual(ERROR_CATALOGUE.map((e) => e.key).sort());
    await api.post('/v1/syncs/meta/runs', org.key, { runId: 'run-errors' });
    const specs: RecordSpec[] = Object.values(messages).map((m, i) => ({ identifier: `e${i}`, status: 'rejected', statusMessage: m }));
    specs.push({ identifier: 'weird', status: 'rejected', statusMessage: 'The flux capacitor hiccupped' });
    await api.post('/v1/runs/run-errors/batches', org.key, batch({}, specs));
    const { body } = await api.get('/v1/runs/run-errors/errors', org.key);
    const byMessage = Object.fromEntries(body.items.map((i: any) => [i.statusMessage, [i.resolutionKey, i.category]]));
    for (const [key, message] of Object.entries(messages)) {
      expect(byMessage[message]![0], message).toBe(key);
    }
    expect(byMessage['The flux capacitor hiccupped']).toEqual([null, 'unknown']);
  });
});
