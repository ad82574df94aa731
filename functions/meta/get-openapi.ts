import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import type { ApiResponse, Event, Result, RouteHandler } from '#http/api-handler.ts';
import { openApiDocument, type DocumentedRoute } from '#http/openapi.ts';
import { ROUTES } from '../routes.ts';
import { ROUTE_ANSWERS, type openApiAnswer } from '#http/answers/index.ts';

export const API_VERSION = '1.0.0';

/** The document for these routes; the same for every request, so built once. */
export function apiDocument() {
  return openApiDocument(
    ROUTES.map((route) => ({ ...route, answers: (ROUTE_ANSWERS as Record<string, DocumentedRoute['answers']>)[route.fn] })),
    { version: API_VERSION },
  );
}

/**
 * GET /v1/openapi.json — public: it says what the API takes, nothing of anyone's data. Not an
 * `apiHandler` (no key, serialized once), so its answer type is declared: the document.
 */
export const makeHandler = (): RouteHandler<ApiResponse<z.output<typeof openApiAnswer>, 200>> => {
  const body = JSON.stringify(apiDocument());
  return async (_event: Event, _context: Context): Promise<Result> => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
    body,
  });
};
