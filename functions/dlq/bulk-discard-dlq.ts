import { bulkDiscardDlq } from '#domain/dlq-bulk.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** POST /v1/dlq/discard — discards (or, on a dry run, counts) the pending items a filter matches, at most 1,000 a request. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('dlq/bulk-discard-dlq'), async ({ principal, body }) => ok(await bulkDiscardDlq(deps, principal, body)));
