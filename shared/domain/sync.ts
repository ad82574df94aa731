import { recordAudit } from './audit.ts';
import { requireOrgKey } from './authz.ts';
import { canonicalJson } from './canonical-json.ts';
import { conflict, notFound } from './errors.ts';
import type { Principal } from './keys.ts';
import type { PageRequest } from './paging.ts';
import type { Deps } from './ports.ts';
import type { Sync, SyncConfig } from './sync-entity.ts';

/** Fills what the configuration may leave out, so stored syncs are complete. */
export function normalizeSyncConfig(config: SyncConfig): SyncConfig {
  return {
    ...config,
    destination: { ...config.destination, type: config.destination.type ?? `${config.destination.connectionType}::Connection` },
  };
}

export function configOf(sync: Sync): SyncConfig {
  const { orgId, syncId, version, createdAt, updatedAt, destinationStatus, currentRunId, lastRun, watermark, ...config } = sync;
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as SyncConfig;
}

/** What the API shows of a sync. */
export function presentSync(sync: Sync) {
  const { orgId, version, rulesRevision: _revision, currentRunKey: _key, ...rest } = sync;
  return { ...rest, watermark: sync.watermark ?? null };
}

// ---- use cases ----

const MAX_PUT_ATTEMPTS = 5;

/**
 * Creates or replaces a sync's configuration. Each real change appends an audit entry
 * with before and after; a PUT that changes nothing writes nothing.
 */
export async function putSync(deps: Deps, principal: Principal, syncId: string, input: SyncConfig) {
  const orgId = requireOrgKey(principal, 'ingest');
  const config = normalizeSyncConfig(input);
  const actor = principal.kind === 'key' ? principal.keyId : 'root';
  for (let attempt = 0; attempt < MAX_PUT_ATTEMPTS; attempt += 1) {
    const now = deps.clock.now().toISOString();
    const existing = await deps.syncs.get(orgId, syncId);
    if (!existing) {
      const sync: Sync = { ...config, orgId, syncId, version: 1, createdAt: now, updatedAt: now, destinationStatus: 'ready' };
      if (await deps.syncs.create(sync)) {
        await recordAudit(deps, { orgId, actor, action: 'sync.created', target: { type: 'sync', id: syncId }, syncId, after: config });
        return { created: true, sync: presentSync(sync) };
      }
      continue;
    }
    const before = configOf(existing);
    if (canonicalJson(before) === canonicalJson(config)) return { created: false, sync: presentSync(existing) };
    // A freshness rule is judged on a signal sync's watermark: on another type it would be stranded.
    if (config.syncType !== 'signal' && existing.alertRules?.some((rule) => rule.type === 'freshness')) {
      throw conflict(`sync ${syncId} has a freshness rule, which needs a signal sync; remove it (PUT /v1/syncs/${syncId}/alerts) before changing the sync's type to ${config.syncType}`, {
        syncType: existing.syncType,
        alertRules: existing.alertRules.map((rule) => rule.type),
      });
    }
    const updated: Sync = { ...stateOf(existing), ...config, version: existing.version + 1, updatedAt: now };
    if (await deps.syncs.updateConfig(orgId, syncId, config, existing.version, now)) {
      await recordAudit(deps, { orgId, actor, action: 'sync.updated', target: { type: 'sync', id: syncId }, syncId, before, after: config });
      return { created: false, sync: presentSync(updated) };
    }
  }
  throw conflict(`sync ${syncId} is being changed concurrently; retry`);
}

/** The parts of a stored sync that are not its configuration. */
function stateOf(sync: Sync): Omit<Sync, keyof SyncConfig> {
  const { orgId, syncId, version, createdAt, updatedAt, destinationStatus, currentRunId, lastRun, watermark, alertRules, alertStates } = sync;
  return { orgId, syncId, version, createdAt, updatedAt, destinationStatus, currentRunId, lastRun, watermark, alertRules, alertStates };
}

export async function getSync(deps: Deps, principal: Principal, syncId: string) {
  const orgId = requireOrgKey(principal, 'read');
  const sync = await deps.syncs.get(orgId, syncId);
  if (!sync) throw notFound(`sync ${syncId}`);
  return presentSync(sync);
}

export async function listSyncs(deps: Deps, principal: Principal, page: PageRequest) {
  const orgId = requireOrgKey(principal, 'read');
  const result = await deps.syncs.list(orgId, page);
  return { items: result.items.map(presentSync), nextCursor: result.nextCursor };
}

/** Each sync's destination and its current status (Sync History's destination status). */
export async function listDestinations(deps: Deps, principal: Principal, page: PageRequest) {
  const orgId = requireOrgKey(principal, 'read');
  const result = await deps.syncs.list(orgId, page);
  return {
    items: result.items.map((sync) => ({
      syncId: sync.syncId,
      entityName: sync.name,
      syncType: sync.syncType,
      enabled: sync.enabled,
      destinationId: sync.destination.id,
      destinationName: sync.destination.name,
      connectionType: sync.destination.connectionType,
      destinationObject: sync.destinationObject ?? null,
      status: sync.destinationStatus,
      currentRunId: sync.currentRunId ?? null,
      lastRun: sync.lastRun ?? null,
      lastStatusMessage: sync.lastRun?.statusMessage ?? null,
    })),
    nextCursor: result.nextCursor,
  };
}

export async function getWatermark(deps: Deps, principal: Principal, syncId: string) {
  const orgId = requireOrgKey(principal, 'read');
  const sync = await deps.syncs.get(orgId, syncId);
  if (!sync) throw notFound(`sync ${syncId}`);
  return { syncId, syncType: sync.syncType, maxEventDate: sync.watermark?.maxEventDate ?? null, runId: sync.watermark?.runId ?? null };
}
