import * as z from 'zod';
import { AUDIT_ACTION_LABELS } from '#domain/audit-entity.ts';
import { auditAction, nullableString, page, scope, str } from './common.ts';

export const createOrgAnswer = z.strictObject({ orgId: str, adminKey: str, adminKeyId: str, scopes: z.array(scope) });
export const createKeyAnswer = z.strictObject({ keyId: str, key: str, scopes: z.array(scope), label: nullableString, createdAt: str });
export const revokeKeyAnswer = z.strictObject({ keyId: str, revokedAt: str });

const labels = Object.values(AUDIT_ACTION_LABELS) as [string, ...string[]];
export const auditPageAnswer = page(
  z.strictObject({
    auditId: str,
    at: str,
    actor: str,
    actorLabel: str,
    action: auditAction,
    actionLabel: z.enum(labels as [(typeof AUDIT_ACTION_LABELS)[keyof typeof AUDIT_ACTION_LABELS], ...Array<(typeof AUDIT_ACTION_LABELS)[keyof typeof AUDIT_ACTION_LABELS]>]),
    target: z.strictObject({ type: z.enum(['key', 'org', 'sync', 'dlq', 'webhook']), id: str }),
    syncId: str.optional(),
    before: z.custom<object>((value) => typeof value === 'object').nullable(),
    after: z.custom<object>((value) => typeof value === 'object').nullable(),
  }),
);
