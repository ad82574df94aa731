/**
 * Answers against their schemas, at compile time. `apiRouter` (functions/api/router.ts) holds
 * every real handler's `ok`/`created` answers to its route's answer schema; `npm test`
 * typechecks, so a handler that drifts from its schema fails there. These lines prove the check
 * can fail, each way: each constant's type is what `AnswersAgree` must say.
 */
import { describe, expect, it } from 'vitest';
import type { ApiResponse } from '#http/api-handler.ts';
import { ROUTE_ANSWERS, type AnswerOf } from '#http/answers/index.ts';
import type { AnswersAgree } from '../../../functions/api/router.ts';
import { ROUTES } from '../../../functions/routes.ts';

/** `V` when `T` is exactly `V` (not `boolean`, which would take either constant): otherwise `never`, and the constant fails to compile. */
type Is<T, V extends boolean> = [T] extends [V] ? ([V] extends [T] ? V : never) : never;
type Watermark = AnswerOf<'query/get-watermark'>;
type Sync = AnswerOf<'ingest/put-sync'>;

const agrees: Is<AnswersAgree<ApiResponse<Watermark, 200>, 'query/get-watermark'>, true> = true;
// A field the schema does not have.
const extraField: Is<AnswersAgree<ApiResponse<Watermark & { extra: number }, 200>, 'query/get-watermark'>, false> = false;
// A field the schema has that the handler does not send.
const missingField: Is<AnswersAgree<ApiResponse<Omit<Watermark, 'runId'>, 200>, 'query/get-watermark'>, false> = false;
// A field of another type.
const otherType: Is<AnswersAgree<ApiResponse<Omit<Watermark, 'runId'> & { runId: number }, 200>, 'query/get-watermark'>, false> = false;
// A status the schema does not list, and one it lists that the handler never answers.
const otherStatus: Is<AnswersAgree<ApiResponse<Watermark, 201>, 'query/get-watermark'>, false> = false;
const oneOfTwo: Is<AnswersAgree<ApiResponse<Sync, 201>, 'ingest/put-sync'>, false> = false;
const bothStatuses: Is<AnswersAgree<ApiResponse<Sync, 200> | ApiResponse<Sync, 201>, 'ingest/put-sync'>, true> = true;

describe('answer schemas', () => {
  it('are what the handlers answer (checked by tsc through apiRouter), and that check fails each way', () => {
    expect([agrees, bothStatuses]).toEqual([true, true]);
    expect([extraField, missingField, otherType, otherStatus, oneOfTwo]).toEqual([false, false, false, false, false]);
  });

  it('cover every route of the route table, with a success status each', () => {
    expect(Object.keys(ROUTE_ANSWERS).sort()).toEqual(ROUTES.map((route) => route.fn).sort());
    for (const route of ROUTES) {
      const statuses = Object.keys(ROUTE_ANSWERS[route.fn as keyof typeof ROUTE_ANSWERS]).map(Number);
      expect(statuses, route.fn).toEqual([...(route.success ?? [200])].sort());
    }
  });
});
