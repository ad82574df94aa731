import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiDocument } from '../../functions/meta/get-openapi.ts';
import { ROUTES } from '../../functions/routes.ts';
import { apiClient, createOrgWithKeys, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';

type Operation = { parameters: Array<{ name: string; in: string; required: boolean }>; requestBody?: { content: Record<string, { schema: { $ref: string } }> }; security: unknown[] };

describe('OpenAPI document', () => {
  const document = apiDocument();

  it('is a valid OpenAPI 3.1 document', async () => {
    // Act
    const result = await new Validator().validate(structuredClone(document) as never);

    // Assert
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('has exactly one operation per route, with its path parameters, query, body and scope', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of ROUTES) {
      const operation = (document.paths as Record<string, Record<string, Operation>>)[route.path]![route.method.toLowerCase()]!;
      const spec = route.spec;
      const pathNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(operation.parameters.filter((p) => p.in === 'path').map((p) => p.name), route.path).toEqual(pathNames);
      expect(Boolean(operation.requestBody), route.fn).toBe(Boolean(spec?.body));
      // A route without a spec takes no key (test/unit/functions/routes.test.ts: only the document itself).
      if (!spec) expect(operation.security, route.fn).toEqual([]);
      else expect(operation.security, route.fn).not.toEqual([]);
    }
  });

  it('describes bodies as the API validates them: what the schema rejects, the API rejects', async () => {
    // Arrange
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const schema = (document.components.schemas as Record<string, object>)['ingest-post-batch-body']!;
    const validate = ajv.compile(schema);
    const good = { batchType: 'records_updated', batchNumber: 0, startedAt: '2026-11-23T06:00:00Z', endedAt: '2026-11-23T06:00:04Z', records: [{ identifier: 'a', payload: { x: 1 }, status: 'succeeded' }] };
    const bad = { ...good, batchNumber: -1, surprise: true };

    // Act + Assert
    expect(validate(good)).toBe(true);
    expect(validate(bad)).toBe(false);
    const stack = await startTestStack();
    try {
      const api = apiClient(stack.url);
      const org = await createOrgWithKeys(api, 'acme');
      await api.put('/v1/syncs/s1', org.key, { name: 'S', syncType: 'audience', operation: 'upsert', source: { id: 's', type: 't', name: 'n' }, destination: { id: 'd', name: 'D', connectionType: 'Meta Ads' } });
      await api.post('/v1/syncs/s1/runs', org.key, { runId: 'r1' });
      expect((await api.post('/v1/runs/r1/batches', org.key, bad)).status).toBe(400);
      expect((await api.post('/v1/runs/r1/batches', org.key, good)).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });
});

describe('GET /v1/openapi.json', () => {
  let stack: TestStack;
  let api: Api;
  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.url);
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('serves the document without a key', async () => {
    const response = await api.get('/v1/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(JSON.parse(JSON.stringify(apiDocument())));
  });
});
