import { describe, expect, it } from 'vitest';
import { ApiError, MAX_RETRY_AFTER_MS, retryDelayMs, SyncTrailClient } from '#client/api-client.ts';

/** A fetch that answers from a script and records what it was asked. */
function scriptedFetch(answers: Array<{ status: number; body: unknown; headers?: Record<string, string> } | Error>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const impl = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = answers.shift() ?? { status: 200, body: {} };
    if (next instanceof Error) throw next;
    return new Response(typeof next.body === 'string' ? next.body : JSON.stringify(next.body), { status: next.status, headers: next.headers ?? {} });
  }) as unknown as typeof fetch;
  return { impl, calls };
}

describe('SyncTrailClient', () => {
  it('builds each route from the route table: method, encoded path parameters, query, bearer key and JSON body', async () => {
    // Arrange
    const { impl, calls } = scriptedFetch([{ status: 200, body: { items: [], destinations: [], nextCursor: null } }, { status: 200, body: { received: 1 } }]);
    const client = new SyncTrailClient({ baseUrl: 'http://synctrail.test/', key: 'st_k', fetch: impl });

    // Act
    await client.call('query/get-identifier-timeline', { params: { identifier: 'ana@example.com/x' }, query: { limit: 5 } });
    await client.call('ingest/post-batch', {
      params: { runId: 'r1' },
      body: { batchType: 'records_updated', batchNumber: 0, startedAt: '2026-11-23T06:00:00Z', endedAt: '2026-11-23T06:00:01Z', records: [{ identifier: 'a', payload: {}, status: 'succeeded' }] },
    });

    // Assert
    expect(calls[0]!.url).toBe('http://synctrail.test/v1/identifiers/ana%40example.com%2Fx/timeline?limit=5');
    expect(calls[0]!.init).toMatchObject({ method: 'GET', headers: { authorization: 'Bearer st_k' } });
    expect(calls[1]!.url).toBe('http://synctrail.test/v1/runs/r1/batches');
    expect(calls[1]!.init.method).toBe('POST');
    expect(JSON.parse(String(calls[1]!.init.body))).toMatchObject({ batchNumber: 0 });
  });

  it('retries throttling, 5xx and network failures, then answers; a 4xx is thrown at once as ApiError', async () => {
    const { impl, calls } = scriptedFetch([new TypeError('fetch failed'), { status: 503, body: 'busy' }, { status: 429, body: '' }, { status: 200, body: { items: [], nextCursor: null } }]);
    const client = new SyncTrailClient({ baseUrl: 'http://synctrail.test', key: 'k', fetch: impl, retries: 3 });
    expect(await client.call('query/list-runs', { query: { status: 'error' } })).toEqual({ items: [], nextCursor: null });
    expect(calls).toHaveLength(4);

    const refusing = scriptedFetch([{ status: 404, body: { error: { code: 'not_found', message: 'run r9 not found', details: null } } }]);
    const error = await new SyncTrailClient({ baseUrl: 'http://synctrail.test', key: 'k', fetch: refusing.impl }).call('query/get-run', { params: { runId: 'r9' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found', message: 'run r9 not found' });
    expect(refusing.calls).toHaveLength(1);
  });

  it('is typed from the route schemas', () => {
    const client = new SyncTrailClient({ baseUrl: 'http://synctrail.test', fetch: scriptedFetch([]).impl });
    // These lines are compile-time checks: `npm test` typechecks the tests before running them.
    const calls = [
      // @ts-expect-error — not a run status
      () => client.call('query/list-runs', { query: { status: 'exploded' } }),
      // @ts-expect-error — a batch needs its body
      () => client.call('ingest/post-batch', { params: { runId: 'r' } }),
      // @ts-expect-error — no such route
      () => client.call('query/nothing', {}),
    ];
    expect(calls).toHaveLength(3);
  });

  it('waits what Retry-After asks (seconds or an HTTP date, capped), else backs off with jitter', async () => {
    // Arrange: throttled twice with Retry-After, then a 503 without it, then an answer.
    const { impl, calls } = scriptedFetch([
      { status: 429, body: '', headers: { 'retry-after': '2' } },
      { status: 503, body: '', headers: { 'retry-after': new Date(Date.now() + 5_000).toUTCString() } },
      { status: 503, body: 'busy' },
      { status: 200, body: { items: [], nextCursor: null } },
    ]);
    const waits: number[] = [];
    const client = new SyncTrailClient({ baseUrl: 'http://synctrail.test', key: 'k', fetch: impl, retries: 3, sleep: async (ms) => void waits.push(ms) });

    // Act
    await client.call('query/list-runs', {});

    // Assert
    expect(calls).toHaveLength(4);
    expect(waits[0]).toBe(2_000);
    expect(waits[1]).toBeGreaterThan(3_000); // an HTTP date has one-second resolution
    expect(waits[1]).toBeLessThanOrEqual(5_000);
    expect(waits[2]).toBeLessThanOrEqual(800); // third attempt's backoff: up to 200 ms × 2²
  });

  it('computes one retry policy for every client', () => {
    const never = () => 0.999_999;
    expect(retryDelayMs(0, '7')).toBe(7_000);
    expect(retryDelayMs(0, '0')).toBe(0);
    expect(retryDelayMs(0, '86400')).toBe(MAX_RETRY_AFTER_MS);
    expect(retryDelayMs(0, 'Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('2015-10-21T07:27:50Z'))).toBe(10_000);
    expect(retryDelayMs(0, 'Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('2015-10-21T07:29:00Z'))).toBe(0); // a date gone by: at once
    // Not a number nor a date: backoff, as without the header.
    expect(retryDelayMs(2, 'soon', 0, never)).toBeCloseTo(800, 0);
    expect(retryDelayMs(0, null, 0, never)).toBeCloseTo(200, 0);
    expect(retryDelayMs(20, undefined, 0, never)).toBeCloseTo(10_000, 0);
    expect(retryDelayMs(3, undefined, 0, () => 0)).toBe(0);
  });

  it('hands back the last answer of a request outside the API after its retries, and a 4xx at once', async () => {
    const { impl, calls } = scriptedFetch([{ status: 500, body: '' }, { status: 500, body: '' }, { status: 403, body: 'denied' }]);
    const client = new SyncTrailClient({ baseUrl: 'http://synctrail.test', fetch: impl, retries: 5, sleep: async () => {} });
    const response = await client.fetchRetrying('http://bucket.test/upload?sig=x', { method: 'PUT', body: 'x' });
    expect(response.status).toBe(403);
    expect(calls).toHaveLength(3);

    const down = new SyncTrailClient({ baseUrl: 'http://synctrail.test', fetch: scriptedFetch([new TypeError('fetch failed'), new TypeError('fetch failed')]).impl, retries: 1, sleep: async () => {} });
    await expect(down.fetchRetrying('http://bucket.test/upload', { method: 'PUT' })).rejects.toMatchObject({ status: 0, code: 'network', message: 'http://bucket.test did not answer: fetch failed' });
  });
});
