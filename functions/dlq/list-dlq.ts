import { listDlq } from '#domain/dlq.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, ok } from '#http/api-handler.ts';
import { specOf } from '../routes.ts';

/** GET /v1/dlq?syncId=&state= — dead-lettered records, newest first. */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, specOf('dlq/list-dlq'), async ({ principal, query }) => ok(await listDlq(deps, principal, query)));
