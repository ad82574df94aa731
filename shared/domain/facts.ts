import { FACT_TABLES, type FactTableName, type FactTables } from './fact-tables.ts';
import type { Deps } from './ports.ts';
import type { Sync } from './sync-entity.ts';

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
