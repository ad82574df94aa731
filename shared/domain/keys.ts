import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { idSchema } from './ids.ts';

export const SCOPES = ['ingest', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: the deployment's root key, or a key of one org. */
export type Principal = { kind: 'root' } | { kind: 'key'; orgId: string; keyId: string; scopes: Scope[] };

export interface StoredKey {
  keyId: string;
  orgId: string;
  /** sha256 of the whole key; the plaintext is shown once and never stored. */
  keyHash: string;
  scopes: Scope[];
  label?: string;
  createdAt: string;
  createdBy: string;
  revokedAt?: string;
}

const KEY_ID_LENGTH = 20;
const KEY_PATTERN = /^st_([a-z0-9]{20})_([A-Za-z0-9_-]{43})$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `st_<keyId>_<secret>`: the key id lets a lookup be one GetItem instead of an index scan. */
export function generateKey(): { keyId: string; key: string } {
  const bytes = randomBytes(KEY_ID_LENGTH);
  let keyId = '';
  for (const b of bytes) keyId += ALPHABET[b % ALPHABET.length];
  const secret = randomBytes(32).toString('base64url');
  return { keyId, key: `st_${keyId}_${secret}` };
}

export function parseKey(token: string): { keyId: string } | undefined {
  const match = KEY_PATTERN.exec(token);
  return match ? { keyId: match[1]! } : undefined;
}

/** Keys are 256 random bits, so a plain sha256 is as good as a slow hash here. */
export const hashKey = (token: string): string => createHash('sha256').update(token).digest('hex');

export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

export const createKeyRequestSchema = z.strictObject({
  scopes: z.array(z.enum(SCOPES)).min(1).max(3).refine((s) => new Set(s).size === s.length, 'scopes must not repeat'),
  label: z.string().min(1).max(200).optional(),
});
export type CreateKeyRequest = z.infer<typeof createKeyRequestSchema>;

export const createOrgRequestSchema = z.strictObject({
  orgId: idSchema,
  name: z.string().min(1).max(200).optional(),
});
