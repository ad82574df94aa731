import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createClients } from '#adapters/clients.ts';
import { apiClient, createOrgWithKeys, ROOT_KEY, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { syncConfig } from '../support/fixtures.ts';

let stack: TestStack;
let api: Api;

beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack.url);
});
afterAll(async () => {
  await stack.stop();
});

describe('orgs and keys', () => {
  it('lets only the root key create an org, which answers with an admin key', async () => {
    // Act
    const created = await api.post('/v1/orgs', ROOT_KEY, { orgId: 'org-a', name: 'A' });
    const again = await api.post('/v1/orgs', ROOT_KEY, { orgId: 'org-a' });
    // Assert
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ orgId: 'org-a', adminKey: expect.stringMatching(/^st_/) });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
  });

  it('refuses a missing, malformed or unknown key with 401', async () => {
    for (const key of [undefined, 'nonsense', `st_${'a'.repeat(20)}_${'b'.repeat(43)}`]) {
      const response = await api.get('/v1/syncs', key);
      expect(response.status).toBe(401);
      expect(response.body.error).toMatchObject({ code: 'unauthorized', message: expect.any(String) });
    }
  });

  it('tells a missing Authorization header from one that is there but not "Bearer <key>"', async () => {
    // Arrange
    const org = await createOrgWithKeys(api, 'org-header');
    const sent = (authorization?: string) => api.call('GET', '/v1/syncs', undefined, undefined, authorization === undefined ? {} : { authorization });
    // Act
    const missing = await sent();
    const blank = await sent('  ');
    const notBearer = await Promise.all([org.key, `Basic ${org.key}`, 'Bearer', `Bearer ${org.key} extra`].map(sent));
    const bearer = await sent(`Bearer ${org.key}`);
    // Assert
    for (const response of [missing, blank]) {
      expect(response).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'missing "Authorization: Bearer <key>" header' } } });
    }
    for (const response of notBearer) {
      expect(response).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'Authorization header must be "Bearer <key>"' } } });
    }
    expect(bearer.status).toBe(200);
  });

  it('gives 403 when the root key is used on org routes, or an org key on root routes', async () => {
    const org = await createOrgWithKeys(api, 'org-root-check');
    expect((await api.get('/v1/syncs', ROOT_KEY)).status).toBe(403);
    expect((await api.post('/v1/orgs', org.adminKey, { orgId: 'sneaky' })).status).toBe(403);
  });

  it('enforces scopes: a read key cannot ingest, an ingest key cannot read or mint keys', async () => {
    // Arrange
    const org = await createOrgWithKeys(api, 'org-scopes');
    const read = (await api.post('/v1/keys', org.adminKey, { scopes: ['read'] })).body.key;
    const ingest = (await api.post('/v1/keys', org.adminKey, { scopes: ['ingest'] })).body.key;
    // Act + Assert
    expect((await api.put('/v1/syncs/s1', read, syncConfig())).status).toBe(403);
    expect((await api.put('/v1/syncs/s1', ingest, syncConfig())).status).toBe(201);
    expect((await api.get('/v1/syncs/s1', ingest)).status).toBe(403);
    expect((await api.get('/v1/syncs/s1', read)).status).toBe(200);
    expect((await api.post('/v1/keys', ingest, { scopes: ['read'] })).status).toBe(403);
  });

  it('stores only a hash of each key', async () => {
    // Arrange
    const org = await createOrgWithKeys(api, 'org-hash');
    const { dynamo } = createClients(stack.settings);
    // Act
    const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: stack.settings.table }));
    // Assert
    const everything = JSON.stringify(Items);
    expect(everything).not.toContain(org.key);
    expect(everything).not.toContain(org.adminKey);
    expect(Items.filter((i) => i.type === 'key' && i.orgId === 'org-hash')).toHaveLength(2);
  });

  it('revokes a key: it gets 401 from then on, and the revocation is audited', async () => {
    // Arrange
    const org = await createOrgWithKeys(api, 'org-revoke');
    expect((await api.get('/v1/syncs', org.key)).status).toBe(200);
    // Act
    const revoked = await api.del(`/v1/keys/${org.keyId}`, org.adminKey);
    // Assert
    expect(revoked.status).toBe(200);
    expect((await api.get('/v1/syncs', org.key)).status).toBe(401);
    expect((await api.del(`/v1/keys/${org.keyId}`, org.adminKey)).status).toBe(404);
    const { dynamo } = createClients(stack.settings);
    const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: stack.settings.table, FilterExpression: 'orgId = :o AND #t = :t', ExpressionAttributeNames: { '#t': 'type' }, ExpressionAttributeValues: { ':o': 'org-revoke', ':t': 'audit' } }));
    expect(Items.map((i) => i.action).sort()).toEqual(['key.created', 'key.created', 'key.revoked', 'org.created']);
  });

  it("answers 404 for another org's key id, exactly as for a missing one", async () => {
    const a = await createOrgWithKeys(api, 'org-k1');
    const b = await createOrgWithKeys(api, 'org-k2');
    const response = await api.del(`/v1/keys/${b.keyId}`, a.adminKey);
    expect(response.status).toBe(404);
    expect((await api.get('/v1/syncs', b.key)).status).toBe(200);
  });

  it('refuses bad org and key bodies with 400 and writes nothing', async () => {
    const { dynamo } = createClients(stack.settings);
    for (const body of [{ orgId: '../etc' }, { orgId: '' }, { name: 'no id' }, { orgId: 'ok', extra: 1 }]) {
      const response = await api.post('/v1/orgs', ROOT_KEY, body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
    }
    const { Item } = await dynamo.send(new GetCommand({ TableName: stack.settings.table, Key: { pk: 'ORG#ok', sk: 'ORG' } }));
    expect(Item).toBeUndefined();
    const org = await createOrgWithKeys(api, 'org-badkey');
    for (const body of [{ scopes: [] }, { scopes: ['root'] }, { scopes: ['read', 'read'] }, {}]) {
      expect((await api.post('/v1/keys', org.adminKey, body)).status).toBe(400);
    }
  });
});
