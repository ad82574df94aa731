import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import { DomainError, forbidden, invalid, unauthorized } from '#domain/errors.ts';
import { bearerToken, hashKey, parseKey, sameSecret, type Principal, type Scope } from '#domain/keys.ts';
import { describeIssue, requiredWhenMissing } from '#domain/validation-messages.ts';
import type { Deps } from '#domain/ports.ts';
import { log } from './log.ts';

/** Bodies of everything but batches are small; a batch may take up to the inline limit. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export type Event = APIGatewayProxyEventV2;
export type Result = APIGatewayProxyStructuredResultV2;

/**
 * A route's request contract, declared once in its entry of the route table
 * (`functions/routes.ts`): its handler validates with it, and the OpenAPI document
 * (`GET /v1/openapi.json`), the typed client and docs/api.md are generated from it.
 */
export interface RouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P extends z.ZodType | undefined> {
  /** `root` for the deployment's root key only; otherwise the scope an org key needs. */
  auth: 'root' | Scope;
  body?: B;
  query?: Q;
  params?: P;
  /** An absent or empty body parses as `{}` (every field of the schema is optional). */
  bodyOptional?: boolean;
  maxBodyBytes?: number;
  /** The 413 message, e.g. where to send a batch that is too large to post inline. */
  tooLargeHint?: (event: Event) => { message: string; details?: unknown };
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export type AnyRouteSpec = RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;

export interface ApiRequest<B, Q, P> {
  principal: Principal;
  body: B;
  query: Q;
  params: P;
  event: Event;
}

/** A handler's answer: `T` is what it sends with status `S` (the routers check both against the route's answer schema). */
export interface ApiResponse<T = unknown, S extends number = number> {
  statusCode: S;
  body: T;
  headers?: Record<string, string>;
  /** Sent as it is with this content type, instead of as JSON. */
  contentType?: string;
}

export const ok = <T>(body: T): ApiResponse<T, 200> => ({ statusCode: 200, body });
export const created = <T>(body: T): ApiResponse<T, 201> => ({ statusCode: 201, body });

/**
 * A route's Lambda-shaped handler that carries, in its type only, the answers it gives
 * (`R`, from `ok`/`created`): `apiRouter` compares them with the route's answer schema at
 * compile time, so a handler cannot answer what the OpenAPI document does not say.
 */
export type RouteHandler<R extends ApiResponse = ApiResponse> = ((event: Event, context: Context) => Promise<Result>) & {
  readonly answers?: R;
  /** The spec an `apiHandler` validates with (a test holds each handler to its own route's). */
  readonly spec?: AnyRouteSpec;
};

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function errorBody(code: string, message: string, details?: unknown) {
  return JSON.stringify({ error: { code, message, details: details ?? null } });
}

function issuesOf(error: z.ZodError) {
  return error.issues.slice(0, 50).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

function rawBody(event: Event): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

async function authenticate(deps: Deps, event: Event, auth: RouteSpec<never, never, never>['auth']): Promise<Principal> {
  const header = event.headers?.authorization;
  if (!header?.trim()) throw unauthorized('missing "Authorization: Bearer <key>" header');
  // Present but not a bearer key (a bare key, `Basic …`, `Bearer` alone): say so, not "missing".
  const token = bearerToken(header);
  if (!token) throw unauthorized('Authorization header must be "Bearer <key>"');
  const parsed = parseKey(token);
  if (parsed) {
    const key = await deps.keys.getKey(parsed.keyId);
    if (!key || key.revokedAt || !sameSecret(key.keyHash, hashKey(token))) throw unauthorized('invalid or revoked key');
    if (auth === 'root') throw forbidden('only the root key may do this');
    if (!key.scopes.includes(auth)) throw forbidden(`this key lacks the '${auth}' scope`);
    return { kind: 'key', orgId: key.orgId, keyId: key.keyId, scopes: key.scopes };
  }
  if (await deps.rootKey.isRootKey(token)) {
    if (auth !== 'root') throw forbidden('the root key may only create orgs; use an org key');
    return { kind: 'root' };
  }
  throw unauthorized('invalid or revoked key');
}

function parse<S extends z.ZodType | undefined>(schema: S, value: unknown, where: string): Parsed<S> {
  if (!schema) return undefined as Parsed<S>;
  const result = schema.safeParse(value, { error: requiredWhenMissing });
  if (!result.success) {
    // The first problem in the message itself, for a reader of curl's output; all of them in details.
    const [first, ...more] = result.error.issues;
    const summary = first ? `: ${describeIssue(first)}${more.length ? ` (and ${more.length} more in details)` : ''}` : '';
    throw invalid(`invalid ${where}${summary}`, issuesOf(result.error));
  }
  return result.data as Parsed<S>;
}

/**
 * Every API handler: middy with, in order, the body-size limit, authentication and scope,
 * JSON parsing and zod validation of body, query and path; the handler last; and one
 * error handler that turns domain errors into JSON 4xx and anything else into a logged 500.
 * Nothing is written before all of these have passed.
 */
export function apiHandler<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, P extends z.ZodType | undefined = undefined, R extends ApiResponse = ApiResponse>(
  deps: Deps,
  spec: RouteSpec<B, Q, P>,
  handle: (request: ApiRequest<Parsed<B>, Parsed<Q>, Parsed<P>>) => Promise<R>,
): RouteHandler<R> {
  const prepared = new WeakMap<Event, ApiRequest<Parsed<B>, Parsed<Q>, Parsed<P>>>();
  const maxBodyBytes = spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const validate: MiddlewareObj<Event, Result> = {
    before: async ({ event }) => {
      const body = rawBody(event);
      if (body !== undefined && Buffer.byteLength(body) > maxBodyBytes) {
        const hint = spec.tooLargeHint?.(event);
        throw new DomainError('payload_too_large', hint?.message ?? `request body is over ${maxBodyBytes} bytes`, {
          maxBytes: maxBodyBytes,
          ...((hint?.details as object | undefined) ?? {}),
        });
      }
      const principal = await authenticate(deps, event, spec.auth);
      let json: unknown;
      if (spec.body) {
        const type = event.headers?.['content-type'];
        if (type && !/json/i.test(type)) throw new DomainError('unsupported_media_type', 'send the body as application/json');
        const empty = body === undefined || body.trim() === '';
        if (empty && !spec.bodyOptional) throw invalid('request body is required');
        try {
          json = empty ? {} : JSON.parse(body);
        } catch (error) {
          throw new DomainError('invalid_json', 'request body is not valid JSON', { reason: (error as Error).message });
        }
      }
      prepared.set(event, {
        principal,
        body: parse(spec.body as B, json, 'body'),
        query: parse(spec.query as Q, event.queryStringParameters ?? {}, 'query'),
        params: parse(spec.params as P, event.pathParameters ?? {}, 'path'),
        event,
      });
    },
  };

  const errors: MiddlewareObj<Event, Result> = {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof DomainError) {
        request.response = { statusCode: error.statusCode, headers: JSON_HEADERS, body: errorBody(error.code, error.message, error.details) };
        return;
      }
      const requestId = request.context.awsRequestId;
      log('error', 'unhandled error', { requestId, route: request.event.routeKey, error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
      request.response = {
        statusCode: 500,
        headers: JSON_HEADERS,
        body: errorBody('internal', 'something went wrong on our side; retry, and report the request id if it persists', { requestId }),
      };
    },
  };

  const handler = middy<Event, Result, Error, Context>()
    .use(errors)
    .use(validate)
    .handler(async (event) => {
      const request = prepared.get(event)!;
      const response = await handle(request);
      if (response.contentType) {
        return {
          statusCode: response.statusCode,
          headers: { 'content-type': response.contentType, 'cache-control': 'no-store', ...response.headers },
          body: String(response.body),
        };
      }
      return {
        statusCode: response.statusCode,
        headers: { ...JSON_HEADERS, ...response.headers },
        body: JSON.stringify(response.body),
      };
    });
  return Object.assign(handler, { spec: spec as AnyRouteSpec });
}
