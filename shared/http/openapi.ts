import * as z from 'zod';
import type { AnyRouteSpec } from './api-handler.ts';

/** What the document needs to know of a route: the table entry and its spec. */
export interface DocumentedRoute {
  method: string;
  path: string;
  fn: string;
  summary: string;
  success?: readonly number[];
  produces?: readonly string[];
  /** The answer schema per success status. */
  answers?: Partial<Record<number, z.ZodType>>;
  /** The API function that serves it. */
  api?: string;
  /** Undefined for a route that takes no key (the document itself). */
  spec?: AnyRouteSpec;
}

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends. */
const schemaOf = (schema: z.ZodType): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

/** JSON Schema of what the API answers. */
const answerSchemaOf = (schema: z.ZodType): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  return rest;
};

/** The properties of an object schema (path or query), as OpenAPI parameters. */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (required.has(name) && !('default' in property)),
      ...(description ? { description } : {}),
      schema: propertySchema,
    };
  });
}

const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const kebab = (fn: string) => fn.replace(/[/]/g, '-');
const camel = (fn: string) => fn.split(/[/-]/).map((part, i) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1))).join('');

/**
 * The OpenAPI 3.1 document of the API, generated from the routes table and the zod schemas
 * each handler validates with: one source for validation, types and documentation.
 */
export function openApiDocument(routes: readonly DocumentedRoute[], info: { version: string; serverUrl?: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const spec = route.spec;
    const success = route.success ?? [200];
    const responses: Record<string, unknown> = {};
    for (const status of success) {
      responses[String(status)] = {
        description: status === 201 ? 'Created' : 'OK',
        content: Object.fromEntries(
          (route.produces ?? ['application/json']).map((type) => [type, route.answers?.[status] ? { schema: answerSchemaOf(route.answers[status]!) } : {}]),
        ),
      };
    }
    if (spec) {
      if (spec.body || spec.query || spec.params) responses['400'] = error('Invalid request: the offending fields are in details');
      responses['401'] = error('No key, or a wrong or revoked one');
      responses['403'] = error('The key lacks the scope this route needs');
      if (spec.params) responses['404'] = error("Unknown, or another org's (which looks the same)");
      responses.default = error('Another error: 409 conflict, 410 past retention, 413 too large, 415 not JSON');
    }
    const operation: Record<string, unknown> = {
      operationId: camel(route.fn),
      summary: route.summary,
      description: `${route.summary}. Served by the ${route.api ?? 'query'} API function (handler \`functions/${route.fn}.ts\`).`,
      tags: [route.fn.split('/')[0]],
      ...(spec ? { security: [{ bearer: [] }], 'x-synctrail-scope': spec.auth } : { security: [] }),
      parameters: [...parametersOf(spec?.params, 'path'), ...parametersOf(spec?.query, 'query')],
      ...(spec?.body
        ? { requestBody: { required: !spec.bodyOptional, content: { 'application/json': { schema: { $ref: `#/components/schemas/${kebab(route.fn)}-body` } } } } }
        : {}),
      responses,
    };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  const bodies = Object.fromEntries(routes.filter((r) => r.spec?.body).map((r) => [`${kebab(r.fn)}-body`, schemaOf(r.spec!.body!)]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'SyncTrail API',
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
      contact: { name: 'SyncTrail maintainers' },
      version: info.version,
      description: 'Sync observability: run history, destination status and row-level record logs. Every request but this document carries `Authorization: Bearer <key>`.',
    },
    servers: [
      ...(info.serverUrl ? [{ url: info.serverUrl, description: 'This deployment' }] : []),
      { url: 'http://localhost:4300', description: 'Local mode (`npm start`)' },
      {
        url: '{apiUrl}',
        description: 'A deployed stack: its API URL is the `ApiUrl` output of `cdk deploy`',
        variables: { apiUrl: { default: 'http://localhost:4300', description: 'The API Gateway URL of your deployment (the ApiUrl stack output)' } },
      },
    ],
    tags: [
      { name: 'admin', description: 'Orgs, API keys and alert rules (admin scope; orgs need the root key)' },
      { name: 'webhooks', description: 'Webhooks and their delivery log' },
      { name: 'ingest', description: 'What producers send: syncs, runs, batches, uploads, OpenLineage events' },
      { name: 'query', description: 'Sync History, Sync Tracking and Sync Logs: runs, records, destinations, rollups, audit' },
      { name: 'dlq', description: 'Dead-lettered records and their replays' },
      { name: 'meta', description: 'This document' },
    ],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An org key (scopes ingest, read, admin), or the root key for POST /v1/orgs' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
        ...bodies,
      },
    },
  };
}
