import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Context } from 'aws-lambda';
import type { Event, Result } from '#http/api-handler.ts';
import { errorBody } from '#http/api-handler.ts';
import { CONSOLE_SECURITY_HEADERS, type ConsoleBundle } from '../../console/build.ts';

export type LocalHandler = (event: Event, context: Context) => Promise<Result>;

export interface LocalRoute {
  method: string;
  path: string;
  handler: LocalHandler;
}

/** API Gateway HTTP APIs take at most 10 MB per request; so does local mode. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

interface CompiledRoute extends LocalRoute {
  pattern: RegExp;
  names: string[];
}

function compile(route: LocalRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_match, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}$`), names };
}

function sendJson(res: ServerResponse, statusCode: number, body: string, extra: Record<string, string> = {}) {
  res.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', ...extra });
  res.end(body);
}

function lambdaContext(requestId: string, functionName: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const TEXT_TYPES = /json|text|xml|x-ndjson|javascript|x-www-form-urlencoded/i;

/** Turns a Node request into the payload-v2 event API Gateway HTTP APIs send to Lambda. */
export function toEvent(req: IncomingMessage, rawPath: string, url: URL, body: Buffer, routeKey: string, pathParameters: Record<string, string>, requestId: string): Event {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies.push(...String(value).split(/;\s*/));
    else headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const textual = body.length === 0 || TEXT_TYPES.test(headers['content-type'] ?? 'application/json');
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: url.search.slice(1),
    headers,
    ...(cookies.length ? { cookies } : {}),
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !textual,
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface LocalServerOptions {
  routes: LocalRoute[];
  /** The web console, served at `/` beside the API (as CloudFront does in AWS). */
  console?: ConsoleBundle;
  onRequest?: (entry: { method: string; path: string; status: number; ms: number }) => void;
}

/** One HTTP server for the whole API, calling the very handlers AWS runs. */
/** A console file for a GET outside the API: `/` is the page, `/assets/…` its hashed files. */
function consoleFile(bundle: ConsoleBundle | undefined, method: string, rawPath: string) {
  if (!bundle || (method !== 'GET' && method !== 'HEAD') || rawPath.startsWith('/v1/') || rawPath.startsWith('/_local/')) return undefined;
  return bundle.get(rawPath === '/' || rawPath === '/index.html' ? '/index.html' : rawPath);
}

export function createLocalServer({ routes, onRequest, console: bundle }: LocalServerOptions): Server {
  const compiled = routes.map(compile);
  return createServer(async (req, res) => {
    const started = performance.now();
    // Route on the path as sent, like API Gateway: URL() would collapse `%2E%2E` segments.
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const finish = (status: number) => onRequest?.({ method, path: rawPath, status, ms: Math.round(performance.now() - started) });
    try {
      const body = await readBody(req, MAX_REQUEST_BYTES);
      if (!body) {
        sendJson(res, 413, errorBody('payload_too_large', `request body is over ${MAX_REQUEST_BYTES} bytes`, { maxBytes: MAX_REQUEST_BYTES }));
        return finish(413);
      }
      const file = consoleFile(bundle, method, rawPath);
      if (file) {
        res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.body.length, 'cache-control': file.cacheControl, ...CONSOLE_SECURITY_HEADERS });
        res.end(method === 'HEAD' ? undefined : file.body);
        return finish(200);
      }
      const onPath = compiled.filter((route) => route.pattern.test(rawPath));
      const route = onPath.find((candidate) => candidate.method === method);
      if (!route) {
        if (onPath.length) {
          const allow = onPath.map((r) => r.method).join(', ');
          sendJson(res, 405, errorBody('method_not_allowed', `${method} is not allowed on ${rawPath}`, { allow }), { allow });
          return finish(405);
        }
        sendJson(res, 404, errorBody('not_found', `no route for ${method} ${rawPath}`));
        return finish(404);
      }
      const match = route.pattern.exec(rawPath)!;
      const pathParameters: Record<string, string> = {};
      try {
        route.names.forEach((name, i) => {
          pathParameters[name] = decodeURIComponent(match[i + 1]!);
        });
      } catch {
        sendJson(res, 400, errorBody('invalid_request', 'malformed percent-encoding in the path'));
        return finish(400);
      }
      const requestId = randomUUID();
      const event = toEvent(req, rawPath, url, body, `${route.method} ${route.path}`, pathParameters, requestId);
      const result = await route.handler(event, lambdaContext(requestId, route.path));
      const statusCode = result.statusCode ?? 200;
      const headers: Record<string, string> = { 'x-request-id': requestId };
      for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
      if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
      res.writeHead(statusCode, headers);
      res.end(result.body === undefined ? undefined : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
      finish(statusCode);
    } catch (error) {
      console.error(JSON.stringify({ level: 'error', message: 'local server failure', error: String((error as Error)?.stack ?? error) }));
      if (!res.headersSent) sendJson(res, 500, errorBody('internal', 'local server failure'));
      else res.end();
      finish(500);
    }
  });
}
