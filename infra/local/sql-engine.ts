import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { FACT_COLUMNS, FACT_TABLES } from '#domain/fact-tables.ts';
import { TRACKING_COLUMNS } from '#domain/tracking-row.ts';
import { GLUE_TYPES } from '#adapters/glue-partitions.ts';

/** s3rver keeps each object as `<key>._S3rver_object` under `<data dir>/s3/<bucket>/`. */
const OBJECT_SUFFIX = '._S3rver_object';

/**
 * Athena's (Trino's) names for what DuckDB spells differently (see FACTS.md), so the
 * named queries and an analyst's Athena SQL run here unchanged.
 */
const TRINO_MACROS = [
  'CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)',
  'CREATE MACRO from_iso8601_timestamp(x) AS CAST(x AS TIMESTAMPTZ)',
  'CREATE MACRO approx_distinct(x) AS approx_count_distinct(x)',
  'CREATE MACRO cardinality(x) AS len(x)',
  'CREATE MACRO regexp_like(s, p) AS regexp_matches(s, p)',
  'CREATE MACRO element_at(l, i) AS l[i]',
  'CREATE MACRO from_unixtime(x) AS to_timestamp(x)',
];

const duckType = (glue: string) => ({ string: 'VARCHAR', timestamp: 'TIMESTAMP', boolean: 'BOOLEAN', int: 'INTEGER' })[glue] ?? 'VARCHAR';
const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

function hasFiles(dir: string, depth: number, suffix: string): boolean {
  if (!existsSync(dir)) return false;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (depth === 0 ? entry.isFile() && entry.name.endsWith(suffix) : entry.isDirectory() && hasFiles(join(dir, entry.name), depth - 1, suffix)) return true;
  }
  return false;
}

export interface LocalSql {
  /** Whether the folder holds any Sync Logs file (else `sync_log` is an empty table). */
  hasSyncLogs: boolean;
  run(sql: string, params?: string[]): Promise<{ columns: string[]; rows: Array<Record<string, unknown>> }>;
  close(): void;
}

/**
 * DuckDB standing in for Athena over local mode's data: `sync_log` (with the Glue table's
 * partition columns `org`, `sync_id`, `run_id` taken from each file's path) and the three
 * fact tables.
 */
export async function openLocalSql(dataDir: string, bucket = 'synctrail-tracking'): Promise<LocalSql> {
  const root = join(dataDir, 's3', bucket);
  const instance = await DuckDBInstance.create(':memory:');
  const db: DuckDBConnection = await instance.connect();
  for (const macro of TRINO_MACROS) await db.run(macro);
  // Athena reads the files' UTC instants into Glue's `timestamp` as UTC wall-clock time;
  // DuckDB reads them as TIMESTAMPTZ. In UTC, cast to TIMESTAMP, they read as Athena's.
  await db.run("SET TimeZone = 'UTC'");
  const asAthena = TRACKING_COLUMNS.filter((c) => c.type === 'TIMESTAMP').map((c) => `${c.name}::TIMESTAMP AS ${c.name}`);

  const tracking = join(root, 'sync_tracking_datasets');
  const hasSyncLogs = hasFiles(tracking, 3, `.parquet${OBJECT_SUFFIX}`);
  if (hasSyncLogs) {
    await db.run(`CREATE VIEW sync_log AS
      SELECT * EXCLUDE (filename) REPLACE (${asAthena.join(', ')}),
        regexp_extract(filename, 'sync_tracking_datasets/([^/]+)/', 1) AS org,
        regexp_extract(filename, 'sync_tracking_datasets/[^/]+/([^/]+)/', 1) AS sync_id,
        regexp_extract(filename, 'sync_tracking_datasets/[^/]+/[^/]+/([^/]+)/', 1) AS run_id
      FROM read_parquet(${quote(join(tracking, '*', '*', '*', `*.parquet${OBJECT_SUFFIX}`))}, filename = true)`);
  } else {
    const columns = [...TRACKING_COLUMNS.map((c) => `${c.name} ${duckType(GLUE_TYPES[c.type])}`), 'org VARCHAR', 'sync_id VARCHAR', 'run_id VARCHAR'];
    await db.run(`CREATE TABLE sync_log (${columns.join(', ')})`);
  }
  for (const table of FACT_TABLES) {
    const glob = join(root, 'metadata', '*', `${table}.parquet${OBJECT_SUFFIX}`);
    if (hasFiles(join(root, 'metadata'), 1, `${table}.parquet${OBJECT_SUFFIX}`)) {
      await db.run(`CREATE VIEW ${table} AS SELECT * FROM read_parquet(${quote(glob)})`);
    } else {
      await db.run(`CREATE TABLE ${table} (${(FACT_COLUMNS[table] as readonly string[]).map((c) => `${c} VARCHAR`).join(', ')})`);
    }
  }

  return {
    hasSyncLogs,
    async run(sql, params = []) {
      const statement = await db.prepare(sql);
      params.forEach((value, i) => statement.bindVarchar(i + 1, value));
      const result = await statement.runAndReadAll();
      return { columns: result.columnNames(), rows: result.getRowObjectsJS() as Array<Record<string, unknown>> };
    },
    close() {
      db.closeSync();
      instance.closeSync();
    },
  };
}
