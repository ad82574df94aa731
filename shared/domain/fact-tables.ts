/**
 * The fact tables as files: their rows, columns and keys. A leaf (no use case, no port), so
 * `ports.ts` can name it; building and rewriting them from the sync registry is `facts.ts`.
 */

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
