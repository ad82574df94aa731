import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Parser } from 'node-sql-parser';
import { FACT_COLUMNS } from '#domain/fact-tables.ts';
import { SQL_DIR } from '../../infra/constructs/analytics.ts';
import { openLocalSql, type LocalSql } from '../../infra/local/sql-engine.ts';
import { apiClient, createOrgWithKeys, ROOT_KEY, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { batch, syncConfig } from '../support/fixtures.ts';

let stack: TestStack;
let api: Api;
let sql: LocalSql;
const sqlFile = (name: string) => readFileSync(join(SQL_DIR, name), 'utf8');

beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack.url);
  const { key } = await createOrgWithKeys(api, 'acme');
  await api.put('/v1/syncs/meta', key, syncConfig({ source: { id: 'model-1', type: 'DataWarehouse::Query', name: 'Customers', modelId: 'm-77' } }));
  await api.put('/v1/syncs/google', key, syncConfig({ destination: { id: 'g-ads', name: 'Google Ads — Main Account', connectionType: 'Google Ads' }, destinationObject: { id: 'g-list', type: 'Google Ads::ObjectTypes::Customer List', name: 'HV list' } }));
  const run = async (syncId: string, runId: string, startedAt: string, records: object[]) => {
    await api.post(`/v1/syncs/${syncId}/runs`, key, { runId });
    await api.post(`/v1/runs/${runId}/batches`, key, { ...batch({ startedAt, endedAt: startedAt }), records });
    await api.post(`/v1/runs/${runId}/complete`, key);
  };
  const rec = (identifier: string, status = 'succeeded', statusMessage?: string) => ({ identifier, payload: { email: identifier }, status, ...(statusMessage ? { statusMessage } : {}) });
  await run('meta', 'm1', '2026-11-20T08:00:00Z', [rec('ana'), rec('bob', 'rejected', 'Invalid email format'), rec('cy', 'rejected', 'Invalid email format'), rec('dee', 'rejected', 'Audience not found')]);
  await run('google', 'g1', '2026-11-21T08:00:00Z', [rec('ana'), rec('bob')]);
  await run('meta', 'm2', '2026-11-21T09:00:00Z', [rec('bob', 'rejected', 'Invalid email format'), rec('ana')]);
  const refreshed = await fetch(`${stack.url}/_local/facts/refresh`, { method: 'POST', headers: { authorization: `Bearer ${ROOT_KEY}` } });
  expect(await refreshed.json()).toEqual({ orgs: 1, rows: { source_objects: 2, destinations: 2, destination_objects: 2 } });
  sql = await openLocalSql(stack.dataDir);
});
afterAll(async () => {
  sql?.close();
  await stack.stop();
});

describe('sync_log in local mode', () => {
  it("reads times as Athena does: Glue's timestamp, UTC wall-clock time, compared with a TIMESTAMP literal", async () => {
    const { rows } = await sql.run(`
      SELECT typeof(batch_started_at) AS type, strftime(batch_started_at, '%Y-%m-%d %H:%M:%S') AS started, count(*) AS n
      FROM sync_log WHERE batch_started_at = TIMESTAMP '2026-11-20 08:00:00' GROUP BY 1, 2`);
    expect(rows).toEqual([{ type: 'TIMESTAMP', started: '2026-11-20 08:00:00', n: 4n }]);
  });
});

describe('fact tables (Sync Tracking)', () => {
  it('are written per org with the seed columns, then org_id', async () => {
    for (const [table, columns] of Object.entries(FACT_COLUMNS)) {
      const { columns: got } = await sql.run(`SELECT * FROM ${table} LIMIT 0`);
      expect(got, table).toEqual(columns);
    }
    const { rows } = await sql.run('SELECT id, type, name, model_id, filter_segment_id FROM source_objects ORDER BY id');
    expect(rows).toEqual([
      { id: 'model-1', type: 'DataWarehouse::Query', name: 'Customers', model_id: 'm-77', filter_segment_id: null },
      { id: 'seg-1', type: 'DataWarehouse::FilterSegmentSource', name: 'High value', model_id: null, filter_segment_id: 'segment-9' },
    ]);
    expect((await sql.run("SELECT type FROM destinations WHERE id = 'g-ads'")).rows).toEqual([{ type: 'Google Ads::Connection' }]);
  });

  it('join to sync_log on each fact table', async () => {
    const { rows } = await sql.run(`
      SELECT l.sync_run_id, s.name AS source, d.name AS destination, o.name AS object, count(*) AS records
      FROM sync_log l
      JOIN source_objects s ON s.id = l.source_object_id AND s.org_id = l.org_id
      JOIN destinations d ON d.id = l.destination_id AND d.org_id = l.org_id
      JOIN destination_objects o ON o.id = l.destination_object_id AND o.org_id = l.org_id
      GROUP BY ALL ORDER BY 1`);
    expect(rows).toEqual([
      { sync_run_id: 'g1', source: 'High value', destination: 'Google Ads — Main Account', object: 'HV list', records: 2n },
      { sync_run_id: 'm1', source: 'Customers', destination: 'Meta Ads — Main Account', object: 'HV audience', records: 4n },
      { sync_run_id: 'm2', source: 'Customers', destination: 'Meta Ads — Main Account', object: 'HV audience', records: 2n },
    ]);
  });

  it('refuse a refresh without the root key', async () => {
    expect((await fetch(`${stack.url}/_local/facts/refresh`, { method: 'POST' })).status).toBe(401);
  });
});

describe('named queries', () => {
  const files = readdirSync(SQL_DIR).filter((f) => f.endsWith('.sql'));

  it.each(files)('%s parses as Trino SQL', (file) => {
    const ast = new Parser().astify(sqlFile(file), { database: 'trino' });
    expect(Array.isArray(ast) ? ast[0]!.type : ast.type).toBe('select');
  });

  it('rejected records by error: Sync Tracking\'s query, one run', async () => {
    const { rows } = await sql.run(sqlFile('rejected-records-by-error.sql'), ['acme', 'meta', 'm1']);
    expect(rows.map((r) => [r.status_message, [...(r.rejected_records as string[])].sort(), r.rejected])).toEqual([
      ['Invalid email format', ['bob', 'cy'], 2n],
      ['Audience not found', ['dee'], 1n],
    ]);
  });

  it('coverage per destination per day', async () => {
    const { rows } = await sql.run(sqlFile('coverage-per-destination-per-day.sql'), ['acme', '2026-11-01']);
    expect(rows.map((r) => [r.destination, (r.day as Date).toISOString().slice(0, 10), r.records, r.processed, r.coverage_rate])).toEqual([
      ['Google Ads — Main Account', '2026-11-21', 2n, 2n, 1],
      ['Meta Ads — Main Account', '2026-11-21', 2n, 1n, 0.5],
      ['Meta Ads — Main Account', '2026-11-20', 4n, 1n, 0.25],
    ]);
  });

  it("one identifier's history across runs and destinations", async () => {
    const { rows } = await sql.run(sqlFile('identifier-history.sql'), ['acme', 'bob']);
    expect(rows.map((r) => [r.sync_run_id, r.destination, r.status, r.status_message])).toEqual([
      ['m2', 'Meta Ads — Main Account', 'rejected', 'Invalid email format'],
      ['g1', 'Google Ads — Main Account', 'succeeded', null],
      ['m1', 'Meta Ads — Main Account', 'rejected', 'Invalid email format'],
    ]);
  });

  it("gives Athena's function names to local SQL", async () => {
    const { rows } = await sql.run("SELECT json_extract_scalar(record_payload, '$.email') AS email, cardinality([1, 2]) AS n, regexp_like(identifier, '^a') AS a FROM sync_log WHERE run_id = 'g1' AND identifier = 'ana'");
    expect(rows).toEqual([{ email: 'ana', n: 2n, a: true }]);
  });
});
