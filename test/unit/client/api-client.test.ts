import { describe, expect, it } from 'vitest';
import { ApiError, SyncTrailClient } from '#client/api-client.ts';

/** A fetch that answers from a script and records what it was asked. */
function scriptedFetch(answers: Array<{ status: number; body: unknown } | Error>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const impl = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = answers.shift() ?? { status: 200, body: {} };
    if (next instanceof Error) throw next;
    return new Response(typeof next.body === 'string' ? next.body : JSON.stringify(next.body), { status: next.status });
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
});
