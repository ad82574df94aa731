import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushRecords, PushError, type ProducerRecord } from '#client/push-records.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { syncConfig } from '../support/fixtures.ts';

let stack: TestStack;
let api: Api;
let key: string;

beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack.url);
  key = (await createOrgWithKeys(api, 'client')).key;
  await api.put('/v1/syncs/s', key, syncConfig());
});
afterAll(async () => {
  await stack.stop();
});

async function* generate(n: number, prefix = 'r'): AsyncIterable<ProducerRecord> {
  for (let i = 0; i < n; i += 1) {
    yield { identifier: `${prefix}-${i}`, payload: { email: `${prefix}-${i}@example.com`, n: i }, status: i % 20 === 0 ? 'rejected' : 'succeeded' };
  }
}

describe('pushRecords (the producer client)', () => {
  it('batches records, posts them inline, and reports progress per batch', async () => {
    await api.post('/v1/syncs/s/runs', key, { runId: 'c-inline' });
    const progress: number[] = [];
    const result = await pushRecords(generate(25_000), { baseUrl: stack.url, key, runId: 'c-inline', batchSize: 10_000, onProgress: (p) => progress.push(p.records) });
    expect(result).toMatchObject({ batches: 3, records: 25_000, uploads: 0, received: 25_000, succeeded: 23_750, failed: 1_250 });
    expect(progress.sort((a, b) => a - b).at(-1)).toBe(25_000);
    expect(progress).toHaveLength(3);
    expect((await api.post('/v1/runs/c-inline/complete', key)).body).toMatchObject({ itemsTotal: 25_000, itemsProcessed: 23_750 });
  });

  it('sends batches over the inline limit through uploads and waits for their conversion', async () => {
    await api.post('/v1/syncs/s/runs', key, { runId: 'c-upload' });
    const result = await pushRecords(generate(6_000, 'u'), { baseUrl: stack.url, key, runId: 'c-upload', batchSize: 3_000, inlineMaxBytes: 10_000 });
    expect(result).toMatchObject({ batches: 2, uploads: 2, received: 6_000, failed: 300 });
    const batches = (await api.get('/v1/runs/c-upload/batches', key)).body.items;
    expect(batches.map((b: any) => [b.source, b.state])).toEqual([
      ['upload', 'done'],
      ['upload', 'done'],
    ]);
  });

  it('retries throttling, server errors and network failures without counting twice', async () => {
    await api.post('/v1/syncs/s/runs', key, { runId: 'c-retry' });
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls += 1;
      if (calls === 1) throw new TypeError('fetch failed');
      if (calls === 2) return new Response('{"error":{"message":"slow down"}}', { status: 429 });
      const response = await fetch(input, init);
      // The third call reaches the server and is counted, but its answer is lost.
      if (calls === 3) return new Response('bad gateway', { status: 502 });
      return response;
    };
    const result = await pushRecords(generate(1_000), { baseUrl: stack.url, key, runId: 'c-retry', batchSize: 1_000, fetch: flaky });
    expect(calls).toBe(4);
    expect(result.received).toBe(1_000);
    expect((await api.get('/v1/runs/c-retry', key)).body.records.received).toBe(1_000);
  });

  it('honours Retry-After on the API and on the upload PUT, through the one client', async () => {
    await api.post('/v1/syncs/s/runs', key, { runId: 'c-retry-after' });
    let apiThrottled = false;
    let putThrottled = false;
    const throttling: typeof fetch = async (input, init) => {
      const url = String(input);
      if (!apiThrottled && url.endsWith('/uploads')) {
        apiThrottled = true;
        return new Response('{"error":{"code":"throttled","message":"slow down"}}', { status: 429, headers: { 'retry-after': '3' } });
      }
      if (!putThrottled && init?.method === 'PUT') {
        putThrottled = true;
        return new Response('<Error><Code>SlowDown</Code></Error>', { status: 503, headers: { 'retry-after': '1' } });
      }
      return fetch(input, init);
    };
    const waits: number[] = [];
    const result = await pushRecords(generate(500, 'ra'), { baseUrl: stack.url, key, runId: 'c-retry-after', batchSize: 500, inlineMaxBytes: 1_000, fetch: throttling, sleep: async (ms) => void waits.push(ms) });
    expect(result).toMatchObject({ uploads: 1, received: 500 });
    expect(waits.slice(0, 2)).toEqual([3_000, 1_000]);
  });

  it('stops on a client error, with the server\'s message', async () => {
    await api.post('/v1/syncs/s/runs', key, { runId: 'c-bad' });
    const bad = (async function* () {
      yield { identifier: 'a', payload: {}, status: 'maybe' } as ProducerRecord;
    })();
    await expect(pushRecords(bad, { baseUrl: stack.url, key, runId: 'c-bad' })).rejects.toThrow(PushError);
    await expect(pushRecords(generate(1), { baseUrl: stack.url, key, runId: 'nope' })).rejects.toMatchObject({ status: 404, message: expect.stringMatching(/^POST \/v1\/runs\/nope\/batches: 404 /) });
  });
});
