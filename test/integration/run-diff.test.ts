import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDigestKey } from '#domain/run-digest.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';

const audience = {
  name: 'High-value customers',
  syncType: 'audience',
  operation: 'mirror',
  source: { id: 'seg-42', type: 'DataWarehouse::FilterSegmentSource', name: 'High value' },
  destination: { id: 'meta', name: 'Meta Ads — Main', connectionType: 'Meta Ads' },
};

type Rec = { identifier: string; payload?: Record<string, unknown>; status?: string };
const rec = (identifier: string, status = 'succeeded', payload: Record<string, unknown> = { email: identifier }): Rec => ({ identifier, payload, status });

describe('run diff (GET /v1/runs/{runId}/diff, /diff/records)', () => {
  let stack: TestStack;
  let api: Api;
  let key: string;

  /** A run of `syncId` with these batches (one per array), completed (as `error` when asked). */
  async function run(syncId: string, runId: string, batches: Rec[][], options: { dryRun?: boolean; error?: boolean; complete?: boolean } = {}) {
    expect((await api.post(`/v1/syncs/${syncId}/runs`, key, { runId, ...(options.dryRun ? { dryRun: true } : {}) })).status).toBe(201);
    for (const [batchNumber, records] of batches.entries()) {
      const minute = String(batchNumber).padStart(2, '0');
      const posted = await api.post(`/v1/runs/${runId}/batches`, key, { batchType: 'records_updated', batchNumber, startedAt: `2026-11-20T06:${minute}:00Z`, endedAt: `2026-11-20T06:${minute}:30Z`, records });
      expect(posted.status).toBe(200);
    }
    if (options.complete === false) return;
    expect((await api.post(`/v1/runs/${runId}/complete`, key, options.error ? { status: 'error', statusMessage: 'destination down' } : {})).status).toBe(200);
  }

  /** The diff once the run's digest is built (completion asks for it; it is built in the background). */
  async function diffWhenReady(path: string) {
    for (let attempt = 0; attempt < 100; attempt++) {
      const answer = await api.get(path, key);
      if (!(answer.status === 409 && answer.body.error.code === 'diff_not_ready')) return answer;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${path}: digest never built`);
  }

  const page = async (path: string) => {
    const answer = await diffWhenReady(path);
    expect(answer.status).toBe(200);
    return answer.body as { items: Array<{ identifier: string }>; nextCursor: string | null };
  };
  const ids = (body: { items: Array<{ identifier: string }> }) => body.items.map((i) => i.identifier);

  beforeAll(async () => {
    // Arrange: r1 delivers ana, bob, cy, dee (eve rejected). r2 is a dry run, r3 an error run: neither
    // counts as a previous run. r4: bob as before, cy with a new payload, dee rejected (left), fay and
    // gus join, hal still in flight at completion, eve delivered on a retry in its second batch.
    stack = await startTestStack();
    api = apiClient(stack.url);
    key = (await createOrgWithKeys(api, 'acme')).key;
    expect((await api.put('/v1/syncs/aud', key, audience)).status).toBe(201);
    expect((await api.put('/v1/syncs/other-sync', key, audience)).status).toBe(201);
    await run('aud', 'r1', [[rec('ana'), rec('bob'), rec('cy'), rec('dee'), rec('eve', 'rejected')]]);
    await run('aud', 'r2', [[rec('zed')]], { dryRun: true });
    await run('aud', 'r3', [[rec('zed')]], { error: true });
    await run('aud', 'r4', [
      [rec('bob'), rec('cy', 'succeeded', { email: 'cy', tier: 'gold' }), rec('dee', 'rejected'), rec('fay'), rec('eve', 'rejected'), rec('hal', 'in_progress')],
      [rec('gus', 'partial_success'), rec('eve')],
    ]);
    await run('other-sync', 'o1', [[rec('ana')]]);
    await run('aud', 'r5', [[rec('ana')]], { complete: false });
  }, 60_000);
  afterAll(async () => {
    await stack.stop();
  });

  it('counts joins, leaves and changes against the previous delivered run by default', async () => {
    // Act
    const diff = await diffWhenReady('/v1/runs/r4/diff');
    // Assert: r2 (dry) and r3 (error) are passed over; against r1.
    expect(diff.status).toBe(200);
    expect(diff.body).toEqual({ runId: 'r4', against: 'r1', added: 3, removed: 2, changed: 1, unchanged: 1 });
  });

  it('lists the identifiers of each kind, in identifier order', async () => {
    expect(ids(await page('/v1/runs/r4/diff/records?kind=added'))).toEqual(['eve', 'fay', 'gus']);
    expect(ids(await page('/v1/runs/r4/diff/records?kind=removed'))).toEqual(['ana', 'dee']);
    expect(ids(await page('/v1/runs/r4/diff/records?kind=changed'))).toEqual(['cy']);
  });

  it('compares with an explicit `against`, either way round', async () => {
    const same = await diffWhenReady('/v1/runs/r4/diff?against=r1');
    expect(same.body).toEqual({ runId: 'r4', against: 'r1', added: 3, removed: 2, changed: 1, unchanged: 1 });
    const back = await diffWhenReady('/v1/runs/r1/diff?against=r4');
    expect(back.body).toEqual({ runId: 'r1', against: 'r4', added: 2, removed: 3, changed: 1, unchanged: 1 });
    expect(ids(await page('/v1/runs/r1/diff/records?kind=added&against=r4'))).toEqual(['ana', 'dee']);
  });

  it('compares a run with itself as all unchanged', async () => {
    const itself = await diffWhenReady('/v1/runs/r4/diff?against=r4');
    expect(itself.body).toEqual({ runId: 'r4', against: 'r4', added: 0, removed: 0, changed: 0, unchanged: 5 });
  });

  it('answers the first delivered run of a sync against nobody: everybody joined', async () => {
    const first = await diffWhenReady('/v1/runs/r1/diff');
    expect(first.body).toEqual({ runId: 'r1', against: null, added: 4, removed: 0, changed: 0, unchanged: 0 });
    expect(ids(await page('/v1/runs/r1/diff/records?kind=added'))).toEqual(['ana', 'bob', 'cy', 'dee']);
  });

  it('pages with an opaque cursor that continues after the last identifier', async () => {
    // Act
    const first = await page('/v1/runs/r4/diff/records?kind=added&limit=2');
    const second = await page(`/v1/runs/r4/diff/records?kind=added&limit=2&cursor=${first.nextCursor}`);
    // Assert
    expect(ids(first)).toEqual(['eve', 'fay']);
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(ids(second)).toEqual(['gus']);
    expect(second.nextCursor).toBeNull();
    const exact = await page('/v1/runs/r4/diff/records?kind=removed&limit=2');
    expect(exact).toEqual({ items: [{ identifier: 'ana' }, { identifier: 'dee' }], nextCursor: null });
  });

  it('pages across the digests\' row groups (10,000 identifiers each) and counts exactly', async () => {
    // Arrange: big-1 delivers u00000..u24999; big-2 the same but u00000..u04999 gone, u25000..u29999
    // new and every 1000th changed. Batches of 12,500 straddle row groups.
    const users = (from: number, to: number, tier = (_i: number) => 'base') =>
      Array.from({ length: to - from }, (_, k) => rec(`u${String(from + k).padStart(5, '0')}`, 'succeeded', { tier: tier(from + k) }));
    expect((await api.put('/v1/syncs/big', key, audience)).status).toBe(201);
    await run('big', 'big-1', [users(0, 12_500), users(12_500, 25_000)]);
    const changed = (i: number) => (i % 1000 === 0 ? 'gold' : 'base');
    await run('big', 'big-2', [users(5_000, 17_500, changed), users(17_500, 30_000, changed)]);
    // Act
    const diff = await diffWhenReady('/v1/runs/big-2/diff');
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const body: { items: Array<{ identifier: string }>; nextCursor: string | null } = await page(`/v1/runs/big-2/diff/records?kind=added&limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(ids(body));
      cursor = body.nextCursor;
    } while (cursor);
    const changes = await page('/v1/runs/big-2/diff/records?kind=changed&limit=1000');
    // Assert
    expect(diff.body).toEqual({ runId: 'big-2', against: 'big-1', added: 5_000, removed: 5_000, changed: 20, unchanged: 19_980 });
    expect(pages.length).toBe(5);
    expect(pages.flat()).toEqual(Array.from({ length: 5_000 }, (_, k) => `u${25_000 + k}`));
    expect(ids(changes)).toEqual(Array.from({ length: 20 }, (_, k) => `u${String(5_000 + k * 1000).padStart(5, '0')}`));
  }, 120_000);

  it('builds a missing digest again when the run is completed again, and says diff_not_ready until then', async () => {
    // Arrange: r1's digest lost (as for a run completed before run diffs existed).
    await diffWhenReady('/v1/runs/r1/diff');
    await stack.deps.files.delete(runDigestKey('acme', 'aud', 'r1'));
    // Act
    const missing = await api.get('/v1/runs/r4/diff', key);
    // Long after its completion, a missing digest is not coming by itself: the answer says how to build one.
    stack.clock.advanceMs(11 * 60_000);
    const overdue = await api.get('/v1/runs/r4/diff', key);
    const again = await api.post('/v1/runs/r1/complete', key, {});
    const rebuilt = await diffWhenReady('/v1/runs/r4/diff');
    // Assert
    expect(missing.status).toBe(409);
    expect(missing.body.error).toMatchObject({ code: 'diff_not_ready', details: { runId: 'r1', retryAfterSeconds: 10 } });
    expect(overdue.status).toBe(409);
    expect(overdue.body.error).toMatchObject({ code: 'diff_not_ready', details: { runId: 'r1', rebuild: true }, message: expect.stringContaining('complete it again with the same body to build one (POST /v1/runs/r1/complete)') });
    expect(overdue.body.error.details).not.toHaveProperty('retryAfterSeconds');
    expect(again.status).toBe(200);
    expect(rebuilt.body).toEqual({ runId: 'r4', against: 'r1', added: 3, removed: 2, changed: 1, unchanged: 1 });
  });

  it.each([
    ['an unknown kind', '/v1/runs/r4/diff/records?kind=joined', 400, 'invalid_request'],
    ['no kind', '/v1/runs/r4/diff/records', 400, 'invalid_request'],
    ['a limit of 0', '/v1/runs/r4/diff/records?kind=added&limit=0', 400, 'invalid_request'],
    ['a limit over 1000', '/v1/runs/r4/diff/records?kind=added&limit=1001', 400, 'invalid_request'],
    ['a cursor not issued', '/v1/runs/r4/diff/records?kind=added&cursor=bm9wZQ', 400, 'invalid_request'],
    ['an unknown parameter', '/v1/runs/r4/diff?since=r1', 400, 'invalid_request'],
    ['a malformed against', '/v1/runs/r4/diff?against=..%2Fx', 400, 'invalid_request'],
    ['against a run of another sync', '/v1/runs/r4/diff?against=o1', 400, 'invalid_request'],
    ['against an unknown run', '/v1/runs/r4/diff?against=nope', 404, 'not_found'],
    ['an unknown run', '/v1/runs/nope/diff', 404, 'not_found'],
    ['a running run', '/v1/runs/r5/diff', 409, 'conflict'],
    ['a dry run', '/v1/runs/r2/diff', 409, 'conflict'],
    ['an error run', '/v1/runs/r3/diff', 409, 'conflict'],
    ['against an error run', '/v1/runs/r4/diff?against=r3', 409, 'conflict'],
    ['against a dry run', '/v1/runs/r4/diff/records?kind=added&against=r2', 409, 'conflict'],
  ])('refuses %s with a JSON %s', async (_what, path, status, code) => {
    const answer = await api.get(path, key);
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
  });

  it('refuses a cursor used for another kind or another `against`', async () => {
    const first = await page('/v1/runs/r4/diff/records?kind=added&limit=1');
    const otherKind = await api.get(`/v1/runs/r4/diff/records?kind=removed&cursor=${first.nextCursor}`, key);
    const sameRun = await api.get(`/v1/runs/r4/diff/records?kind=added&against=r1&limit=1&cursor=${first.nextCursor}`, key);
    const againstNobody = await page('/v1/runs/r1/diff/records?kind=added&limit=1');
    const otherRun = await api.get(`/v1/runs/r1/diff/records?kind=added&against=r4&cursor=${againstNobody.nextCursor}`, key);
    expect(otherKind.status).toBe(400);
    expect(otherKind.body.error.message).toContain('another kind');
    // The cursor was issued against r1 (the default): naming r1 is the same diff.
    expect(sameRun.status).toBe(200);
    expect(ids(sameRun.body)).toEqual(['fay']);
    expect(otherRun.status).toBe(400);
    expect(otherRun.body.error.message).toContain('another kind or against');
  });

  it('shows another org nothing of these runs', async () => {
    const other = await createOrgWithKeys(api, 'other');
    const answer = await api.get('/v1/runs/r4/diff', other.key);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('not_found');
  });
});
