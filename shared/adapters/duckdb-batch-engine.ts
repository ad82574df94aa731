import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { BatchCounts, EntityCounts } from '#domain/batch-entity.ts';
import { DUPLICATE_MESSAGE, emptyCounts, MAX_ENTITY_TYPES_PER_BATCH, NO_ENTITY_TYPE, NULL_MESSAGE } from '#domain/batch.ts';
import { addPayloadFieldTypes, publishedSchema, type FieldTypes } from '#domain/payload.ts';
import type { BatchEngine, Declined, NativeConversion, NativeConversionJob } from '#domain/ports.ts';
import { RECORD_OPERATIONS, reportedStatusAliases } from '#domain/statuses.ts';
import { TRACKING_COLUMNS, type TrackingRow } from '#domain/tracking-row.ts';
import { MAX_LINE_BYTES, MAX_LINES_PER_UPLOAD } from '#domain/uploads.ts';
import * as z from 'zod';
import { PAYLOAD_SCHEMA_KEY, ROW_GROUP_ROWS } from './parquet.ts';

/**
 * Uploads converted by DuckDB: the NDJSON is read, validated, classified and written as the
 * batch's ZSTD parquet file inside the engine, one thread, so the same upload always gives
 * the same bytes (for one DuckDB version). It answers exactly what the reference path
 * (zod, `BatchClassifier`, hyparquet-writer) answers, or nothing: every check here is at
 * least as strict as the contract, and a batch holding anything it cannot vouch for — an
 * invalid line, a number JavaScript would print differently, a status outside ASCII — is
 * left to the reference path, which converts it or reports its bad lines by number. The
 * few payloads that may serialize differently (nested objects, escapes, exponents, integer
 * keys) are checked and written by the reference code row by row, the rest by the engine.
 */
export class DuckDbBatchEngine implements BatchEngine {
  private instance: Promise<DuckDBInstance> | undefined;

  constructor(private readonly options: { memoryLimit?: string; tempDirectory?: string } = {}) {}

  private async connect(): Promise<DuckDBConnection> {
    this.instance ??= DuckDBInstance.create(':memory:', {
      threads: '1',
      preserve_insertion_order: 'true',
      memory_limit: this.options.memoryLimit ?? '1GB',
      ...(this.options.tempDirectory ? { temp_directory: this.options.tempDirectory } : {}),
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    return (await this.instance).connect();
  }

  async convert(job: NativeConversionJob): Promise<NativeConversion | Declined> {
    const connection = await this.connect();
    try {
      return await convertWith(connection, job);
    } catch (error) {
      // The engine's own reading refused a line (malformed JSON, a lone surrogate, a line
      // over the limit): the reference path reports it by line number.
      if (isInputError(error)) return { declined: `the engine's reader refused a line: ${(error as Error).message.split('\n')[0]}` };
      throw error;
    } finally {
      connection.closeSync();
    }
  }
}

const isInputError = (error: unknown) => error instanceof Error && /^(Invalid Input|Conversion) Error/.test(error.message);

/** A SQL string literal. */
export const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;
const sqlOrNull = (value: string | null | undefined) => (value === null || value === undefined ? 'NULL' : sqlString(value));
const sqlList = (values: readonly string[]) => `[${values.map(sqlString).join(', ')}]`;

/** JavaScript's `String.prototype.trim` whitespace, as an RE2 class. */
const JS_WHITESPACE = '[\\t\\n\\v\\f\\r \\x{A0}\\x{FEFF}\\x{2028}\\x{2029}\\p{Zs}]';
const ASCII_WHITESPACE = '[\\t\\n\\v\\f\\r ]';
const RECORD_KEYS = ['identifier', 'payload', 'operation', 'status', 'statusMessage', 'targetId', 'entityType', 'eventDate', 'final'] as const;
const MAX_SAFE = '9007199254740991';
/** zod's own pattern for `z.iso.datetime({ offset: true })`, the contract's event dates. */
const ISO_DATETIME_PATTERN = z.regexes.datetime({ offset: true }).source;
/**
 * Payload text the engine's JSON writer may print differently from `JSON.stringify` (or that
 * JSON.parse reads differently): integral or exponent numbers, long integers, `\u` escapes
 * (upper-case hex), integer-like keys (JavaScript orders them first), NaN and Infinity.
 * Matches inside strings are harmless: such a row is only written by the reference code.
 */
const PAYLOAD_NEEDS_REFERENCE = '[0-9]\\.0[,}\\]]|[0-9][eE]|[0-9]{16}|\\\\u|"(?:0|[1-9][0-9]*)":|NaN|Infinity';
/** Trailing commas, which the engine accepts and JSON.parse does not. */
const LINE_NEEDS_REFERENCE = `,${ASCII_WHITESPACE}*[}\\]]`;

async function convertWith(connection: DuckDBConnection, job: NativeConversionJob): Promise<NativeConversion | Declined> {
  const { run, batch } = job;
  const run_ = async (sql: string) => connection.run(sql);
  const rows = async <T>(sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJS() as T[];
  const one = async <T>(sql: string) => (await rows<T>(sql))[0]!;

  await run_(`CREATE TEMP TABLE src AS
    SELECT (row_number() OVER () - 1)::INTEGER AS idx, json::VARCHAR AS line
    FROM read_ndjson_objects(${sqlString(job.source)}, compression = ${sqlString(job.gzip ? 'gzip' : 'uncompressed')}, maximum_object_size = ${MAX_LINE_BYTES})`);
  const { total } = await one<{ total: bigint }>('SELECT count(*) AS total FROM src');
  if (Number(total) === 0 || Number(total) > MAX_LINES_PER_UPLOAD) return { declined: `${total} records` };

  await run_(`CREATE TEMP TABLE aliases(word VARCHAR, canonical VARCHAR)`);
  await run_(`INSERT INTO aliases VALUES ${reportedStatusAliases().map(([word, status]) => `(${sqlString(word)}, ${sqlString(status)})`).join(', ')}`);

  // Each field once, with its JSON type (NULL: absent).
  await run_(`CREATE TEMP TABLE f AS
    SELECT idx, line, json_type(line::JSON) AS top, json_keys(line::JSON) AS keys,
      e[1] AS identifier, json_type(e[1]) AS identifier_t,
      e[2] AS payload, json_type(e[2]) AS payload_t,
      e[3] AS operation, json_type(e[3]) AS operation_t,
      e[4] AS status, json_type(e[4]) AS status_t,
      e[5] AS status_message, json_type(e[5]) AS status_message_t,
      e[6] AS target_id, json_type(e[6]) AS target_id_t,
      e[7] AS entity_type, json_type(e[7]) AS entity_type_t,
      e[8] AS event_date, json_type(e[8]) AS event_date_t,
      e[9] AS final, json_type(e[9]) AS final_t
    FROM (SELECT idx, line, json_extract(line::JSON, ${sqlList(RECORD_KEYS.map((key) => `$.${key}`))}) AS e FROM src)`);

  // Whatever the engine cannot vouch for sends the whole batch to the reference path.
  const numberOk = (column: string) => `(${column}_t IN ('BIGINT', 'UBIGINT') AND abs(TRY_CAST(${column} AS HUGEINT)) <= ${MAX_SAFE})`;
  const stringUpTo = (column: string, bytes: number) => `(${column}_t = 'VARCHAR' AND strlen(json_extract_string(${column}, '$')) <= ${bytes})`;
  const { refused } = await one<{ refused: bigint }>(`SELECT count(*) AS refused FROM f WHERE NOT (
      top = 'OBJECT'
      AND len(keys) = len(list_distinct(keys)) AND list_has_all(${sqlList(RECORD_KEYS)}, keys)
      AND (identifier_t IS NULL OR identifier_t = 'NULL' OR ${stringUpTo('identifier', 1024)} OR ${numberOk('identifier')})
      AND (payload_t IS NULL OR payload_t = 'OBJECT')
      AND (operation_t IS NULL OR (operation_t = 'VARCHAR' AND json_extract_string(operation, '$') IN (${RECORD_OPERATIONS.map(sqlString).join(', ')})))
      AND status_t = 'VARCHAR' AND regexp_full_match(json_extract_string(status, '$'), '[\\x20-\\x7e\\t\\n\\v\\f\\r]*')
      AND (status_message_t IS NULL OR status_message_t = 'NULL' OR ${stringUpTo('status_message', 8192)})
      AND (target_id_t IS NULL OR target_id_t = 'NULL' OR ${stringUpTo('target_id', 1024)} OR ${numberOk('target_id')})
      AND (entity_type_t IS NULL OR (${stringUpTo('entity_type', 128)} AND strlen(json_extract_string(entity_type, '$')) >= 1))
      AND (event_date_t IS NULL OR (event_date_t = 'VARCHAR'
        AND regexp_full_match(json_extract_string(event_date, '$'), ${sqlString(ISO_DATETIME_PATTERN)})
        AND json_extract_string(event_date, '$') >= '1970'))
      AND (final_t IS NULL OR final_t = 'BOOLEAN')
    )`);
  if (Number(refused) > 0) return { declined: `${refused} records outside what the engine checks` };

  const fold = `lower(regexp_replace(regexp_replace(json_extract_string(f.status, '$'), '^${ASCII_WHITESPACE}+|${ASCII_WHITESPACE}+$', '', 'g'), '[\\t\\n\\v\\f\\r -]+', '_', 'g'))`;
  await run_(`CREATE TEMP TABLE v AS
    SELECT f.idx, f.line,
      CASE WHEN identifier_t = 'VARCHAR' THEN json_extract_string(identifier, '$') WHEN identifier_t IN ('BIGINT', 'UBIGINT') THEN identifier::VARCHAR END AS raw_identifier,
      coalesce(payload::VARCHAR, '{}') AS payload_text,
      json_extract_string(operation, '$') AS operation,
      json_extract_string(f.status, '$') AS reported_status,
      a.canonical AS reported,
      json_extract_string(status_message, '$') AS status_message,
      CASE WHEN target_id_t = 'VARCHAR' THEN json_extract_string(target_id, '$') WHEN target_id_t IN ('BIGINT', 'UBIGINT') THEN target_id::VARCHAR END AS target_id,
      json_extract_string(entity_type, '$') AS entity_type,
      epoch_ms(CAST(json_extract_string(event_date, '$') AS TIMESTAMPTZ)) AS event_ms,
      coalesce(json_extract_string(final, '$') = 'true', false) AS is_final
    FROM f LEFT JOIN aliases a ON a.word = ${fold}`);
  const { unknown } = await one<{ unknown: bigint }>('SELECT count(*) AS unknown FROM v WHERE reported IS NULL');
  if (Number(unknown) > 0) return { declined: `${unknown} records with a status word it does not know` };

  // The rows whose payload the reference code checks and writes (see PAYLOAD_NEEDS_REFERENCE).
  const braces = (char: string) => `(length(payload_text) - length(replace(payload_text, '${char}', '')))`;
  const flagged = await rows<{ idx: number; line: string }>(`SELECT idx, line FROM v WHERE
      regexp_matches(payload_text, ${sqlString(PAYLOAD_NEEDS_REFERENCE)}) OR regexp_matches(line, ${sqlString(LINE_NEEDS_REFERENCE)})
      OR ${braces('{')} > 1 OR ${braces('{')} + ${braces('[')} > 64
      OR len(json_keys(payload_text::JSON)) <> len(list_distinct(json_keys(payload_text::JSON)))
    ORDER BY idx`);
  const referenceFields = new Map<number, Record<string, unknown>>();
  await run_('CREATE TEMP TABLE reference_payloads(idx INTEGER, payload_text VARCHAR)');
  if (flagged.length) {
    const appender = await connection.createAppender('reference_payloads');
    for (const { idx, line } of flagged) {
      const checked = job.reference(line);
      if (!checked) {
        appender.closeSync();
        return { declined: `line ${idx + 1} (record) fails the contract` };
      }
      referenceFields.set(idx, checked.payload);
      appender.appendInteger(idx);
      appender.appendVarchar(JSON.stringify(checked.payload));
      appender.endRow();
    }
    appender.closeSync();
  }

  const runEntity = run.entityType ?? null;
  await run_(`CREATE TEMP TABLE k0 AS
    SELECT v.idx, coalesce(r.payload_text, v.payload_text) AS record_payload, v.operation, v.reported_status, v.reported, v.status_message,
      v.target_id, v.entity_type, v.event_ms, v.is_final,
      CASE WHEN raw_identifier IS NULL OR regexp_full_match(raw_identifier, '${JS_WHITESPACE}*') THEN NULL ELSE raw_identifier END AS identifier,
      coalesce(v.entity_type, ${sqlOrNull(runEntity)}, ${sqlString(NO_ENTITY_TYPE)}) AS entity_key
    FROM v LEFT JOIN reference_payloads r ON r.idx = v.idx`);
  // Within a batch a later record of an identifier supersedes an earlier one still in flight
  // (every record before it was in flight); after one that settled, it is a DUPLICATE.
  await run_(`CREATE TEMP TABLE k AS
    SELECT *,
      CASE WHEN identifier IS NULL THEN 'null' WHEN position > 1 AND settled_before > 0 THEN 'duplicate' WHEN position > 1 THEN 'supersedes' ELSE 'first' END AS kind
    FROM (
      SELECT *, row_number() OVER w AS position,
        coalesce(sum(CASE WHEN reported IN ('in_progress', 'extracting') THEN 0 ELSE 1 END) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS settled_before,
        lag(entity_key) OVER w AS previous_entity
      FROM k0 WINDOW w AS (PARTITION BY identifier ORDER BY idx)
    )`);
  await run_(`CREATE TEMP TABLE t AS
    SELECT *,
      CASE status WHEN 'succeeded' THEN 'succeeded' WHEN 'partial_success' THEN 'partial' WHEN 'partially_failed' THEN 'partial'
        WHEN 'in_progress' THEN 'inFlight' WHEN 'extracting' THEN 'inFlight' ELSE 'failed' END AS field
    FROM (
      SELECT *,
        CASE kind WHEN 'null' THEN 'NULL' WHEN 'duplicate' THEN 'DUPLICATE' ELSE reported END AS status,
        CASE kind WHEN 'null' THEN coalesce(status_message, ${sqlString(NULL_MESSAGE)}) WHEN 'duplicate' THEN coalesce(status_message, ${sqlString(DUPLICATE_MESSAGE)}) ELSE status_message END AS message
      FROM k
    )`);

  const entityRows = await rows<{ entity_key: string; field: string; n: bigint }>(`
    SELECT entity_key, field, count(*) AS n FROM t GROUP BY ALL
    UNION ALL SELECT entity_key, 'received', count(*) FROM t GROUP BY ALL
    UNION ALL SELECT previous_entity, 'superseded', count(*) FROM t WHERE kind = 'supersedes' GROUP BY ALL`);
  const counts = emptyCounts();
  const entityCounts: EntityCounts = {};
  for (const { entity_key, field, n } of entityRows) {
    entityCounts[`${entity_key}|${field}`] = Number(n);
    counts[field as keyof BatchCounts] += Number(n);
  }
  const kinds = await one<{ nulls: bigint; duplicates: bigint; max_event: bigint | null }>(`SELECT count_if(kind = 'null') AS nulls, count_if(kind = 'duplicate') AS duplicates,
      max(event_ms) FILTER (WHERE field IN ('succeeded', 'partial')) AS max_event FROM t`);
  counts.null = Number(kinds.nulls);
  counts.duplicate = Number(kinds.duplicates);
  const entityTypes = new Set(entityRows.map((row) => row.entity_key));
  if (entityTypes.size > MAX_ENTITY_TYPES_PER_BATCH) return { declined: `${entityTypes.size} entity types` };

  // Payload fields in the order the reference path meets them: row by row, key by key.
  const structures = await rows<{ first: number; structure: string }>(`SELECT min(idx) AS first, structure FROM (
      SELECT idx, json_structure(record_payload::JSON)::VARCHAR AS structure FROM t WHERE idx NOT IN (SELECT idx FROM reference_payloads)
    ) GROUP BY structure ORDER BY first`);
  const payloadFields: FieldTypes = {};
  const sources: Array<[number, Record<string, unknown>]> = [
    ...structures.map(({ first, structure }): [number, Record<string, unknown>] => [first, typesOfStructure(JSON.parse(structure))]),
    ...referenceFields,
  ];
  sources.sort((a, b) => a[0] - b[0]);
  for (const [, payload] of sources) addPayloadFieldTypes(payloadFields, payload);

  const columns = trackingSelect(job);
  if (job.target) {
    const kv = `{${sqlString(PAYLOAD_SCHEMA_KEY)}: ${sqlString(JSON.stringify(publishedSchema(payloadFields)))}}`;
    await run_(`COPY (SELECT ${columns} FROM t ORDER BY idx) TO ${sqlString(job.target)}
      (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}, KV_METADATA ${kv})`);
  }
  const finalFailures = await rows<TrackingRow>(`SELECT ${columns} FROM t WHERE is_final AND field = 'failed' ORDER BY idx`);
  return {
    rows: Number(total),
    counts,
    entityCounts,
    payloadFields,
    ...(kinds.max_event !== null ? { maxEventDate: new Date(Number(kinds.max_event)).toISOString() } : {}),
    finalFailures: finalFailures.map((row) => ({ ...row, batch_number: Number(row.batch_number), row_number: Number(row.row_number) })),
  };
}

/**
 * A value standing for each field's JSON type in a `json_structure` answer, so the reference
 * code's `addPayloadFieldTypes` types it: strings, numbers, booleans and null by example,
 * lists as arrays, objects as objects.
 */
function typesOfStructure(structure: unknown): Record<string, unknown> {
  const example: Record<string, unknown> = {};
  // An empty object's structure is the bare word "JSON": no fields.
  if (typeof structure !== 'object' || structure === null || Array.isArray(structure)) return example;
  for (const field of Object.keys(structure)) {
    const type = (structure as Record<string, unknown>)[field];
    const value =
      Array.isArray(type) ? [] : typeof type === 'object' && type !== null ? {} : type === 'VARCHAR' ? '' : type === 'BOOLEAN' ? true : type === 'NULL' ? null : 0;
    Object.defineProperty(example, field, { value, enumerable: true, writable: true, configurable: true });
  }
  return example;
}

/** The tracking columns, in contract order and type, from the classified table `t`. */
function trackingSelect(job: NativeConversionJob): string {
  const { run, batch } = job;
  const values: Record<keyof TrackingRow, string> = {
    identifier: 'identifier',
    record_payload: 'record_payload',
    operation: `coalesce(operation, ${sqlString(run.operation)})`,
    status: 'status',
    status_message: 'message',
    batch_started_at: `${sqlString(new Date(batch.startedAt).toISOString())}::TIMESTAMPTZ`,
    batch_ended_at: `${sqlString(new Date(batch.endedAt).toISOString())}::TIMESTAMPTZ`,
    sync_configuration_id: sqlString(run.syncId),
    sync_run_id: sqlString(run.runId),
    org_id: sqlString(run.orgId),
    workspace_id: `${sqlOrNull(run.workspaceId)}::VARCHAR`,
    source_object_id: sqlString(run.source.id),
    destination_id: sqlString(run.destination.id),
    destination_object_id: `${sqlOrNull(run.destinationObject?.id)}::VARCHAR`,
    entity_type: `coalesce(entity_type, ${sqlOrNull(run.entityType)})::VARCHAR`,
    target_id: 'target_id',
    instance: `${sqlOrNull(run.instance)}::VARCHAR`,
    reported_status: 'reported_status',
    event_date: 'make_timestamp(event_ms * 1000)::TIMESTAMPTZ',
    is_final: 'is_final',
    batch_type: sqlString(batch.batchType),
    batch_number: `${batch.batchNumber}::INTEGER`,
    row_number: 'idx::INTEGER',
  };
  return TRACKING_COLUMNS.map((column) => `${values[column.name]} AS ${column.name}`).join(', ');
}
