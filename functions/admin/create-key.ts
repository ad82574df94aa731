import { createKey } from '#domain/api-keys.ts';
import { createKeyRequestSchema } from '#domain/keys.ts';
import type { Deps } from '#domain/ports.ts';
import { apiHandler, created } from '#http/api-handler.ts';
import { lambdaHandler } from '#http/lambda.ts';

/** POST /v1/keys */
export const makeHandler = (deps: Deps) =>
  apiHandler(deps, { auth: 'admin', body: createKeyRequestSchema }, async ({ principal, body }) => created(await createKey(deps, principal, body)));

export const handler = lambdaHandler(makeHandler);
