import type { Deps } from './ports.ts';
import type { Sync } from './sync-entity.ts';

/**
 * Sync Tracking's fact tables, one row per object, from the sync registry. Each file carries
 * `org_id` after the seed's columns, so the tables can be queried across orgs.
 */
export interface FactTables {
  source_objects: Array<{
    id: string;
    type: string;
    name: string;
    model_id: string | null;
    business_object_id: string | null;
    filter_segment_id: string | null;
    cohort_id: string | null;
    org_id: string;
  }>;
  destinations: Array<{ id: string; type: string; name: string; org_id: string }>;
  destination_objects: Array<{ id: string; type: string; name: string; org_id: string }>;
}

export type FactTableName = keyof FactTables;

/** Column order of each fact file: Sync Tracking's, then `org_id`. All are strings. */
export const FACT_COLUMNS: { [T in FactTableName]: ReadonlyArray<keyof FactTables[T][number]> } = {
  source_objects: ['id', 'type', 'name', 'model_id', 'business_object_id', 'filter_segment_id', 'cohort_id', 'org_id'],
  destinations: ['id', 'type', 'name', 'org_id'],
  destination_objects: ['id', 'type', 'name', 'org_id'],
};

/** Athena reads each fact table through symlink manifests, one per org, listing the org's file. */
export const factManifestKey = (orgId: string, table: FactTableName) => `athena/fact-manifests/${table}/${orgId}.manifest`;
export const FACT_TABLES: readonly FactTableName[] = ['source_objects', 'destinations', 'destination_objects'];

export const factFileKey = (orgId: string, table: FactTableName) => `metadata/${orgId}/${table}.parquet`;

/** Builds one org's fact tables; a later-updated sync wins where two name the same object differently. */
export function factTablesOf(orgId: string, syncs: Sync[]): FactTables {
  const sources = new Map<string, FactTables['source_objects'][number]>();
  const destinations = new Map<string, FactTables['destinations'][number]>();
  const objects = new Map<string, FactTables['destination_objects'][number]>();
  for (const sync of [...syncs].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))) {
    const s = sync.source;
    sources.set(s.id, {
      id: s.id,
      type: s.type,
      name: s.name,
      model_id: s.modelId ?? null,
      business_object_id: s.businessObjectId ?? null,
      filter_segment_id: s.filterSegmentId ?? null,
      cohort_id: s.cohortId ?? null,
      org_id: orgId,
    });
    const d = sync.destination;
    destinations.set(d.id, { id: d.id, type: d.type ?? `${d.connectionType}::Connection`, name: d.name, org_id: orgId });
    if (sync.destinationObject) {
      const o = sync.destinationObject;
      objects.set(o.id, { id: o.id, type: o.type, name: o.name, org_id: orgId });
    }
  }
  const sorted = <T extends { id: string }>(m: Map<string, T>) => [...m.values()].sort((a, b) => a.id.localeCompare(b.id));
  return { source_objects: sorted(sources), destinations: sorted(destinations), destination_objects: sorted(objects) };
}

/** The six-hourly job (Sync Tracking): rewrites every org's fact tables from its syncs. */
export async function refreshFactTables(deps: Deps): Promise<{ orgs: number; rows: Record<FactTableName, number> }> {
  const rows: Record<FactTableName, number> = { source_objects: 0, destinations: 0, destination_objects: 0 };
  const orgs = await deps.orgs.listOrgIds();
  for (const orgId of orgs) {
    const syncs: Sync[] = [];
    let cursor: string | undefined;
    do {
      const page = await deps.syncs.list(orgId, { limit: 1000, ...(cursor ? { cursor } : {}) });
      syncs.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const tables = factTablesOf(orgId, syncs);
    for (const table of FACT_TABLES) {
      await deps.files.writeFactTable(orgId, table, tables[table]);
      rows[table] += tables[table].length;
    }
  }
  return { orgs: orgs.length, rows };
}
