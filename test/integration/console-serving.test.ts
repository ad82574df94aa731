import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_KEY, apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';

describe('local mode serves the console beside the API', () => {
  let stack: TestStack;
  let api: Api;

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.url);
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('answers the page at / with a strict content security policy, and its hashed assets for a year', async () => {
    // Act
    const page = await fetch(`${stack.url}/`);
    const html = await page.text();

    // Assert
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const response = await fetch(`${stack.url}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toContain('immutable');
      expect(response.headers.get('content-type')).toMatch(asset.endsWith('.js') ? /javascript/ : /text\/css/);
    }
  });

  it('keeps the API as it was: unknown API paths, other methods and missing assets stay JSON errors', async () => {
    const unknownApi = await api.get('/v1/nothing-here');
    expect(unknownApi.status).toBe(404);
    expect(unknownApi.body.error.code).toBe('not_found');
    const missingAsset = await api.get('/assets/app-NOPE.js');
    expect(missingAsset.status).toBe(404);
    const postToPage = await api.post('/', undefined, {});
    expect(postToPage.status).toBe(404);
    const head = await fetch(`${stack.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('loads the demo org only for the root key, once, with runs that finished on the days they ran', async () => {
    // Arrange
    const org = await createOrgWithKeys(api, 'other');

    // Act
    const withOrgKey = await api.post('/_local/demo', org.adminKey, { orgId: 'demo' });
    const withoutKey = await api.post('/_local/demo', undefined, { orgId: 'demo' });
    const badJson = await api.call('POST', '/_local/demo', ROOT_KEY, '{nope', { 'content-type': 'application/json' });
    const loaded = await api.post('/_local/demo', ROOT_KEY, { orgId: 'demo' });
    const again = await api.post('/_local/demo', ROOT_KEY, { orgId: 'demo' });

    // Assert
    expect(withOrgKey.status).toBe(401);
    expect(withoutKey.status).toBe(401);
    expect(badJson.status).toBe(400);
    expect(loaded.status).toBe(201);
    expect(loaded.body).toMatchObject({ orgId: 'demo', syncs: 5, runs: 40 });
    expect(again.status).toBe(409);
    const runs = (await api.get('/v1/runs?limit=1000', loaded.body.adminKey)).body.items as Array<{ startedAt: string; executionDate: string | null; status: string }>;
    expect(runs).toHaveLength(40);
    const finished = runs.filter((r) => r.executionDate);
    const days = new Set(finished.map((r) => r.executionDate!.slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(7);
    for (const run of finished) {
      const took = Date.parse(run.executionDate!) - Date.parse(run.startedAt);
      expect(took).toBeGreaterThan(0);
      expect(took).toBeLessThan(10 * 60_000);
    }
    expect(new Set(runs.map((r) => r.status))).toEqual(new Set(['running', 'complete', 'partial_complete', 'error']));
    // The org key of the other org sees none of it.
    expect((await api.get('/v1/runs', org.key)).body.items).toEqual([]);
  });
});
