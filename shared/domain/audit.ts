import { newId } from './ids.ts';
import type { Deps } from './ports.ts';

export type AuditAction = 'org.created' | 'key.created' | 'key.revoked' | 'sync.created' | 'sync.updated';

export interface AuditEntry {
  orgId: string;
  auditId: string;
  at: string;
  /** The key id that acted, or `root`. */
  actor: string;
  action: AuditAction;
  target: { type: 'org' | 'key' | 'sync'; id: string };
  syncId?: string;
  before?: unknown;
  after?: unknown;
}

export async function recordAudit(deps: Pick<Deps, 'audit' | 'clock'>, entry: Omit<AuditEntry, 'auditId' | 'at'>): Promise<void> {
  const now = deps.clock.now();
  await deps.audit.append({ ...entry, auditId: newId('aud', now), at: now.toISOString() });
}
