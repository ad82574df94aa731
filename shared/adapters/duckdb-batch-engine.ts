import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { BatchCounts, EntityCounts } from '#domain/batch-entity.ts';
import { DUPLICATE_MESSAGE, emptyCounts, MAX_ENTITY_TYPES_PER_BATCH, NO_ENTITY_TYPE, NULL_MESSAGE } from '#domain/batch.ts';
import { addPayloadFieldTypes, publishedSchema, type FieldTypes } from '#domain/payload.ts';
import type { BatchEngine, Declined, NativeConversion, NativeConversionJob } from '#domain/ports.ts';
import { normalizeReportedStatus, RECORD_OPERATIONS } from '#domain/statuses.ts';
import { TRACKING_COLUMNS, type TrackingRow } from '#domain/tracking-row.ts';
import { MAX_LINE_BYTES, MAX_LINES_PER_UPLOAD } from '#domain/upload-limits.ts';
import * as z from 'zod';
import { PAYLOAD_SCHEMA_KEY, ROW_GROUP_ROWS } from './parquet.ts';
import { sqlString } from './athena-query.ts';
import { IDENTIFIER_HASH_SQL, IDENTIFIER_INDEX_ROW_GROUP_ROWS } from '#domain/identifier-index.ts';

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
  async convert(job: NativeConversionJob): Promise<NativeConversion | Declined> {
    // A database of its own beside the upload, on disk: its tables are compressed and spill
    // there, so memory stays within the limit whatever the upload's size; removed after.
    const folder = await mkdtemp(join(dirname(job.source), 'engine-'));
    const instance = await DuckDBInstance.create(join(folder, 'engine.duckdb'), {
      threads: '1',
      preserve_insertion_order: 'true',
      // The engine's buffer pool; beyond it its tables spill to the conversion's own folder.
      memory_limit: DEFAULT_MEMORY_LIMIT,
      temp_directory: join(folder, 'engine.tmp'),
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    try {
      const connection = await instance.connect();
      try {
        return await convertWith(connection, job);
      } finally {
        connection.closeSync();
      }
    } catch (error) {
      // The engine's own reading refused a line (malformed JSON, a lone surrogate): the
      // reference path reports it by line number.
      if (isInputError(error)) return { declined: `the engine's reader refused a line: ${(error as Error).message.split('\n')[0]}` };
      // Anything else (out of memory or disk, a defect): the reference path converts the batch,
      // rather than every retry failing the same way. Said in the log, for the operator.
      const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      console.error(JSON.stringify({ level: 'error', message: 'native conversion failed; the reference path converts the batch', error: message }));
      return { declined: `the engine failed: ${message}` };
    } finally {
      instance.closeSync();
      await rm(folder, { recursive: true, force: true });
    }
  }
}

/** The engine's memory: the 1M-record conversion peaks under 512 MB with it (docs/performance.md). */
export const DEFAULT_MEMORY_LIMIT = '128MB';

const isInputError = (error: unknown) => error instanceof Error && /^(Invalid Input|Conversion) Error/.test(error.message);

const sqlOrNull = (value: string | null | undefined) => (value === null || value === undefined ? 'NULL' : sqlString(value));
const sqlList = (values: readonly string[]) => `[${values.map(sqlString).join(', ')}]`;

/** JavaScript's `String.prototype.trim` whitespace, as an RE2 class. */
const JS_WHITESPACE = '[\\t\\n\\v\\f\\r \\x{A0}\\x{FEFF}\\x{2028}\\x{2029}\\p{Zs}]';
const ASCII_WHITESPACE = '[\\t\\n\\v\\f\\r ]';
const RECORD_KEYS = ['identifier', 'payload', 'operation', 'status', 'statusMessage', 'targetId', 'entityType', 'eventDate', 'final'] as const;
/** Number.MAX_SAFE_INTEGER: a larger integer JavaScript would print rounded. */
const MAX_SAFE = '9007199254740991';
/** zod's own pattern for `z.iso.datetime({ offset: true })`, the contract's event dates. */
const ISO_DATETIME_PATTERN = z.regexes.datetime({ offset: true }).source;

type Key = (typeof RECORD_KEYS)[number];
/** Fields the contract takes absent but never null. */
const NOT_NULLABLE: readonly Key[] = ['payload', 'operation', 'status', 'entityType', 'eventDate', 'final'];
/** Distinct status words one batch may hold and still be converted natively. */
const MAX_STATUS_WORDS = 1000;
/** A JSON Pointer (RFC 6901) to a top-level key. */
const jsonPointer = (key: string) => `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
/**
 * Distinct payload key lists one batch may have and still be converted natively (each is
 * looked into with a query of its own); beyond it the reference path converts the batch.
 */
const MAX_PAYLOAD_KEY_LISTS = 64;
/**
 * Rows whose payload the reference code checks, one by one in memory; a batch with more is the
 * reference path's, which streams (nested objects in every payload would otherwise hold them all).
 */
const MAX_REFERENCED_ROWS = 20_000;
/** 10000-01-01T00:00:00Z in milliseconds. */
const YEAR_10000_MS = 253_402_300_800_000;
/**
 * A payload value (as the engine writes it) that JavaScript may print otherwise: an object; an
 * array holding objects, arrays, or numbers such as below; a number with an exponent, written
 * as 1.0, an integer of 16 digits or more; NaN and Infinity in any spelling the engine's reader
 * takes (`nan`, `-inf`, `INFINITY`: it writes them back as read, which is no JSON).
 */
const SUSPECT_VALUE = '(?i)^\\{|^\\[.*([\\[{]|[0-9]e|[0-9]\\.0[,\\]]|[0-9]{16}|nan|inf)|^[-+]?(nan|inf)|^-?[0-9].*(e|\\.0$)|^-?[0-9]{16}';

/**
 * What the engine's reader would not tell: whether the upload starts with a UTF-8 byte order
 * mark (the reader skips it, JSON.parse refuses the line), and its longest line in bytes as the
 * reference path counts it (a final CR not counted; the reader takes objects past the limit).
 */
async function scanLines(path: string, gzip: boolean): Promise<{ bom: boolean; longest: number }> {
  const stream = gzip ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
  let head: Buffer | undefined;
  let longest = 0;
  let current = 0;
  let lastByte = -1;
  const close = (length: number, endsWithCr: boolean) => Math.max(longest, endsWithCr ? length - 1 : length);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    head ??= chunk;
    let from = 0;
    let newline = chunk.indexOf(10, from);
    while (newline !== -1) {
      const length = current + newline - from;
      const endsWithCr = newline > from ? chunk[newline - 1] === 13 : lastByte === 13;
      longest = close(length, endsWithCr);
      current = 0;
      from = newline + 1;
      newline = chunk.indexOf(10, from);
    }
    current += chunk.length - from;
    if (chunk.length) lastByte = chunk[chunk.length - 1]!;
  }
  longest = close(current, lastByte === 13 && current > 0);
  return { bom: Boolean(head && head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf), longest };
}

async function convertWith(connection: DuckDBConnection, job: NativeConversionJob): Promise<NativeConversion | Declined> {
  const { run } = job;
  const scanned = await scanLines(job.source, job.gzip);
  if (scanned.bom) return { declined: 'the upload starts with a byte order mark' };
  if (scanned.longest > MAX_LINE_BYTES) return { declined: `a line of ${scanned.longest} bytes (the limit is ${MAX_LINE_BYTES})` };
  const trace = process.env.SYNCTRAIL_ENGINE_TRACE === '1';
  const timed = async <T>(sql: string, step: () => Promise<T>) => {
    const started = performance.now();
    const out = await step();
    if (trace) console.error(`${(performance.now() - started).toFixed(0)} ms: ${sql.replace(/\s+/g, ' ').slice(0, 90)}`);
    return out;
  };
  const exec = async (sql: string) => timed(sql, () => connection.run(sql));
  const rows = async <T>(sql: string) => timed(sql, async () => (await connection.runAndReadAll(sql)).getRowObjectsJS() as T[]);
  const one = async <T>(sql: string) => (await rows<T>(sql))[0]!;

  // One pass over the upload by the engine's JSON reader: the contract's fields as JSON values
  // (the payload written minified by the engine's JSON writer), each line's keys beside them.
  // What depends only on a line's keys, on a status word, or on a payload's keys and types
  // (its shape) is judged once per distinct value below.
  const options = `compression = ${sqlString(job.gzip ? 'gzip' : 'uncompressed')}, maximum_object_size = ${MAX_LINE_BYTES}`;
  const lines = `(SELECT (row_number() OVER () - 1)::INTEGER AS idx, json AS line FROM read_ndjson_objects(${sqlString(job.source)}, ${options}))`;
  const numberOk = (key: Key) => `(json_type(${key}) IN ('BIGINT', 'UBIGINT') AND abs(TRY_CAST(${key} AS HUGEINT)) <= ${MAX_SAFE})`;
  const stringUpTo = (key: Key, bytes: number) => `(json_type(${key}) = 'VARCHAR' AND strlen(json_extract_string(${key}, '$')) <= ${bytes})`;
  const absentOr = (key: Key, check: string) => `(${key} IS NULL OR ${check})`;
  const str = (key: Key) => `json_extract_string(${key}, '$')`;
  const idOf = (key: Key) => `CASE WHEN json_type(${key}) = 'VARCHAR' THEN ${str(key)} WHEN json_type(${key}) IN ('BIGINT', 'UBIGINT') THEN ${key}::VARCHAR END`;
  await exec(`CREATE TABLE f AS
    SELECT (row_number() OVER () - 1)::INTEGER AS idx,
      -- Within the contract, as far as the engine can tell (each check at least as strict as zod's).
      (${absentOr('identifier', `json_type(identifier) = 'NULL' OR ${stringUpTo('identifier', 1024)} OR ${numberOk('identifier')}`)}
        AND ${absentOr('payload', `left(payload::VARCHAR, 1) = '{'`)}
        AND ${absentOr('operation', `json_type(operation) = 'VARCHAR' AND ${str('operation')} IN (${RECORD_OPERATIONS.map(sqlString).join(', ')})`)}
        AND json_type(status) = 'VARCHAR'
        AND ${absentOr('statusMessage', `json_type(statusMessage) = 'NULL' OR ${stringUpTo('statusMessage', 8192)}`)}
        AND ${absentOr('targetId', `json_type(targetId) = 'NULL' OR ${stringUpTo('targetId', 1024)} OR ${numberOk('targetId')}`)}
        AND ${absentOr('entityType', `${stringUpTo('entityType', 128)} AND strlen(${str('entityType')}) >= 1`)}
        AND ${absentOr('eventDate', `json_type(eventDate) = 'VARCHAR' AND regexp_full_match(${str('eventDate')}, ${sqlString(ISO_DATETIME_PATTERN)}) AND ${str('eventDate')} >= '1970'`)}
        AND ${absentOr('final', `json_type(final) = 'BOOLEAN'`)}) IS TRUE AS valid,
      -- A backslash-u escape: the engine writes upper-case hex, JSON.stringify lower-case.
      contains(payload_text, '\\u') AS by_text,
      hash(json_keys(payload_text)) AS payload_keys,
      ${idOf('identifier')} AS raw_identifier,
      payload_text,
      ${str('operation')} AS operation,
      ${str('status')} AS reported_status,
      ${str('statusMessage')} AS status_message,
      ${idOf('targetId')} AS target_id,
      ${str('entityType')} AS entity_type,
      ${str('eventDate')} AS event_text,
      coalesce(${str('final')} = 'true', false) AS is_final
    FROM (
      SELECT *, coalesce(payload::VARCHAR, '{}') AS payload_text
      FROM read_json(${sqlString(job.source)}, format = 'newline_delimited', ${options},
        columns = {${RECORD_KEYS.map((key) => `${key}: 'JSON'`).join(', ')}})
    )`);

  const checks = await one<{ total: bigint; invalid: bigint }>(`SELECT count(*) AS total, count_if(NOT valid) AS invalid FROM f`);
  const total = Number(checks.total);
  if (total === 0 || total > MAX_LINES_PER_UPLOAD) return { declined: `${total} records` };
  if (Number(checks.invalid) > 0) return { declined: `${checks.invalid} records outside what the engine checks` };

  // One pass over the raw lines: each line's keys (only the contract's, each once: the reader
  // above takes those it was told of and reads a null as absent); a null where the contract
  // takes none; and the lines the reader may read otherwise than JSON.parse (trailing commas,
  // NaN, Infinity), which the reference code checks.
  const notNullable = sqlList(NOT_NULLABLE.map((key) => `$.${key}`));
  const lineChecks = await rows<{ keys: string[]; nulls: bigint; lenient: number[] | null }>(`SELECT json_keys(any_value(line)) AS keys, count_if(null_given) AS nulls,
      list(idx ORDER BY idx) FILTER (WHERE lenient) AS lenient
    FROM (
      SELECT idx, line,
        contains(line::VARCHAR, 'null') AND list_contains(json_type(line, ${notNullable}), 'NULL') AS null_given,
        contains(line::VARCHAR, ',}') OR contains(line::VARCHAR, ',]') OR contains(line::VARCHAR, 'NaN') OR contains(line::VARCHAR, 'Infinity')
          OR ((contains(line::VARCHAR, ' }') OR contains(line::VARCHAR, ' ]') OR contains(line::VARCHAR, '\t') OR contains(line::VARCHAR, '\r')) AND regexp_matches(line::VARCHAR, ',${ASCII_WHITESPACE}*[}\\]]')) AS lenient
      FROM ${lines}
    ) GROUP BY hash(json_keys(line))`);
  const lenientRows: number[] = [];
  for (const { keys, nulls, lenient } of lineChecks) {
    if (new Set(keys).size !== keys.length || keys.some((key) => !(RECORD_KEYS as readonly string[]).includes(key))) return { declined: `a record with the keys ${keys.join(', ')}` };
    if (Number(nulls) > 0) return { declined: `${nulls} records with null where the contract takes none` };
    if (lenient) lenientRows.push(...lenient);
  }
  await exec('CREATE TABLE lenient(idx INTEGER)');
  if (lenientRows.length) await exec(`INSERT INTO lenient SELECT unnest(${`[${lenientRows.join(', ')}]`})`);

  // Status words, folded by the contract's own code.
  const words = await rows<{ word: string }>(`SELECT DISTINCT reported_status AS word FROM f`);
  if (words.length > MAX_STATUS_WORDS) return { declined: `${words.length} distinct status words` };
  await exec(`CREATE TABLE statuses(word VARCHAR, canonical VARCHAR)`);
  const canonical = words.map(({ word }) => [word, normalizeReportedStatus(word)] as const);
  const unknown = canonical.filter(([, status]) => status === undefined);
  if (unknown.length) return { declined: `status words it does not know: ${unknown.map(([word]) => word).join(', ')}` };
  await exec(`INSERT INTO statuses VALUES ${canonical.map(([word, status]) => `(${sqlString(word)}, ${sqlString(status!)})`).join(', ')}`);

  // Payload shapes: each distinct key list, then the distinct lists of JSON types under it.
  const keyLists = await rows<{ payload_keys: bigint; keys: string[] }>(
    `SELECT payload_keys, json_keys(any_value(payload_text)) AS keys FROM f GROUP BY payload_keys`,
  );
  if (keyLists.length > MAX_PAYLOAD_KEY_LISTS) return { declined: `${keyLists.length} distinct payload key lists` };
  await exec('CREATE TABLE shapes(idx INTEGER, shape UBIGINT, suspect BOOLEAN)');
  for (const { payload_keys, keys } of keyLists) {
    const inList = `payload_keys = ${payload_keys}`;
    // JavaScript puts integer-like keys first and keeps a repeated key's last value: the reference code writes those.
    if (new Set(keys).size !== keys.length || keys.some((key) => /^[0-9]/.test(key))) {
      await exec(`INSERT INTO shapes SELECT idx, 0, true FROM f WHERE ${inList}`);
      continue;
    }
    if (keys.length === 0) {
      await exec(`INSERT INTO shapes SELECT idx, 0, false FROM f WHERE ${inList}`);
      continue;
    }
    // Its shapes (the JSON type of each key), then one pass: each payload's shape, and whether
    // JavaScript could print it otherwise — a nested object; an array holding objects, arrays or
    // such numbers; a number with an exponent, written as 1.0, NaN or Infinity, or an integer
    // past 2^53 — looking only into the keys that ever hold a number, an array or an object.
    const paths = sqlList(keys.map(jsonPointer));
    const typeLists = await rows<{ types: string[] }>(`SELECT DISTINCT json_type(payload_text, ${paths}) AS types FROM f WHERE ${inList}`);
    const withObject = typeLists.filter(({ types }) => types.includes('OBJECT')).map(({ types }) => `hash(${payload_keys}::UBIGINT, ${sqlList(types)})`);
    const looked = keys.filter((_, i) => typeLists.some(({ types }) => !['VARCHAR', 'BOOLEAN', 'NULL'].includes(types[i]!)));
    const suspect = [
      ...(withObject.length ? [`shape IN (${withObject.join(', ')})`] : []),
      ...looked.map((_, i) => `regexp_matches(v[${i + 1}]::VARCHAR, ${sqlString(SUSPECT_VALUE)})`),
    ];
    await exec(`INSERT INTO shapes SELECT idx, shape, ${suspect.length ? `coalesce(${suspect.join(' OR ')}, false)` : 'false'}
      FROM (SELECT idx, hash(payload_keys, json_type(payload_text, ${paths})) AS shape${looked.length ? `, json_extract(payload_text, ${sqlList(looked.map(jsonPointer))}) AS v` : ''} FROM f WHERE ${inList})`);
  }
  const referencedRows = ['SELECT idx FROM f WHERE by_text', 'SELECT idx FROM shapes WHERE suspect', 'SELECT idx FROM lenient'];

  // The reference code checks and writes the payloads the engine cannot vouch for.
  const referenced = new Map<number, Record<string, unknown>>();
  await exec(`CREATE TABLE referenced AS ${referencedRows.join(' UNION ')}`);
  await exec('CREATE TABLE reference_payloads(idx INTEGER, payload_text VARCHAR)');
  const { n: referencedCount } = await one<{ n: bigint }>('SELECT count(*) AS n FROM referenced');
  if (Number(referencedCount) > MAX_REFERENCED_ROWS) return { declined: `${referencedCount} payloads for the reference code to check` };
  const toCheck = Number(referencedCount)
    ? await rows<{ idx: number; line: string }>(`SELECT idx, line::VARCHAR AS line FROM ${lines} WHERE idx IN (SELECT idx FROM referenced) ORDER BY idx`)
    : [];
  if (toCheck.length) {
    const appender = await connection.createAppender('reference_payloads');
    try {
      for (const { idx, line } of toCheck) {
        const checked = job.reference(line);
        if (!checked) return { declined: `record ${idx + 1} fails the contract` };
        referenced.set(idx, checked.payload);
        appender.appendInteger(idx);
        appender.appendVarchar(JSON.stringify(checked.payload));
        appender.endRow();
      }
    } finally {
      appender.closeSync();
    }
  }
  // Every payload here passed the checks above, so JSON.parse reads it as the engine wrote it.
  const shapes = await rows<{ first: number; payload_text: string }>(`SELECT idx AS first, payload_text FROM f
    WHERE idx IN (SELECT min(idx) FROM shapes WHERE NOT suspect GROUP BY shape) AND idx NOT IN (SELECT idx FROM referenced) ORDER BY idx`);

  // Within a batch a later record of an identifier supersedes an earlier one still in flight
  // (every record before it was in flight); after one that settled, it is a DUPLICATE. Only
  // the small columns are windowed; the payloads stay where they are.
  const entity = `coalesce(entity_type, ${sqlOrNull(run.entityType)}, ${sqlString(NO_ENTITY_TYPE)})`;
  await exec(`CREATE TABLE k AS
    SELECT idx, identifier, kind, previous_entity, reference_payload,
      CASE kind WHEN 'null' THEN 'NULL' WHEN 'duplicate' THEN 'DUPLICATE' ELSE reported END AS status,
      CASE CASE kind WHEN 'null' THEN 'NULL' WHEN 'duplicate' THEN 'DUPLICATE' ELSE reported END
        WHEN 'succeeded' THEN 'succeeded' WHEN 'partial_success' THEN 'partial' WHEN 'partially_failed' THEN 'partial'
        WHEN 'in_progress' THEN 'inFlight' WHEN 'extracting' THEN 'inFlight' ELSE 'failed' END AS outcome,
      entity_key
    FROM (
      SELECT *,
        CASE WHEN identifier IS NULL THEN 'null' WHEN position > 1 AND settled_before > 0 THEN 'duplicate' WHEN position > 1 THEN 'supersedes' ELSE 'first' END AS kind
      FROM (
        SELECT w.idx, identifier, reported, entity_key, r.payload_text AS reference_payload,
          row_number() OVER w AS position,
          coalesce(sum(CASE WHEN reported IN ('in_progress', 'extracting') THEN 0 ELSE 1 END) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS settled_before,
          lag(entity_key) OVER w AS previous_entity
        FROM (
          SELECT idx, s.canonical AS reported, ${entity} AS entity_key,
            -- Blank (JavaScript's trim) is no identifier; every such string starts with a code point ≤ 32 or ≥ 160.
            CASE WHEN raw_identifier IS NULL OR raw_identifier = '' THEN NULL
              WHEN (ascii(raw_identifier) <= 32 OR ascii(raw_identifier) >= 160) AND regexp_full_match(raw_identifier, '${JS_WHITESPACE}*') THEN NULL
              ELSE raw_identifier END AS identifier
          FROM f JOIN statuses s ON s.word = f.reported_status
        ) w LEFT JOIN reference_payloads r ON r.idx = w.idx
        WINDOW w AS (PARTITION BY identifier ORDER BY w.idx)
      )
    ) ORDER BY idx`);

  const tallies = await rows<{ entity_key: string; field: string; n: bigint }>(`
    SELECT entity_key, outcome AS field, count(*) AS n FROM k GROUP BY ALL
    UNION ALL SELECT entity_key, 'received', count(*) FROM k GROUP BY ALL
    UNION ALL SELECT previous_entity, 'superseded', count(*) FROM k WHERE kind = 'supersedes' GROUP BY ALL`);
  const counts = emptyCounts();
  const entityCounts: EntityCounts = {};
  for (const { entity_key, field, n } of tallies) {
    entityCounts[`${entity_key}|${field}`] = Number(n);
    counts[field as keyof BatchCounts] += Number(n);
  }
  const entityTypes = new Set(tallies.map((row) => row.entity_key));
  if (entityTypes.size > MAX_ENTITY_TYPES_PER_BATCH) return { declined: `${entityTypes.size} entity types` };
  const kinds = await one<{ nulls: bigint; duplicates: bigint; max_event: bigint | null }>(`SELECT count_if(kind = 'null') AS nulls, count_if(kind = 'duplicate') AS duplicates,
      max(epoch_ms(CAST(f.event_text AS TIMESTAMPTZ))) FILTER (WHERE outcome IN ('succeeded', 'partial')) AS max_event FROM f POSITIONAL JOIN k`);
  // Past year 9999 (an offset can take 9999-12-31 there) ISO strings no longer sort as instants.
  if (kinds.max_event !== null && Number(kinds.max_event) >= YEAR_10000_MS) return { declined: 'an event date past the year 9999 in UTC' };
  counts.null = Number(kinds.nulls);
  counts.duplicate = Number(kinds.duplicates);

  // Payload fields in the order the reference path meets them, row by row, key by key: the
  // first payload of each shape read by the reference code, and every payload it wrote.
  const sources: Array<[number, Record<string, unknown>]> = [
    ...shapes.map(({ first, payload_text }): [number, Record<string, unknown>] => [first, JSON.parse(payload_text) as Record<string, unknown>]),
    ...referenced,
  ];
  sources.sort((a, b) => a[0] - b[0]);
  const payloadFields: FieldTypes = {};
  for (const [, payload] of sources) addPayloadFieldTypes(payloadFields, payload);

  const columns = trackingSelect(job);
  if (job.output) {
    const kv = `{${sqlString(PAYLOAD_SCHEMA_KEY)}: ${sqlString(JSON.stringify(publishedSchema(payloadFields)))}}`;
    // Rows in line order: f and k are both in it (one thread), so they are joined by position.
    await exec(`COPY (SELECT ${columns} FROM f POSITIONAL JOIN k) TO ${sqlString(job.output.file)}
      (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS}, KV_METADATA ${kv})`);
    // Its identifier index (identifier-index.ts): each identifier's hash and row, sorted.
    {
      await exec(`COPY (SELECT ${IDENTIFIER_HASH_SQL('identifier')} AS identifier_hash, idx AS row_number FROM k WHERE identifier IS NOT NULL ORDER BY 1, 2)
        TO ${sqlString(job.output.index)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${IDENTIFIER_INDEX_ROW_GROUP_ROWS})`);
    }
  }
  const finalFailures = await rows<TrackingRow>(`SELECT ${columns} FROM f POSITIONAL JOIN k WHERE f.is_final AND k.outcome = 'failed' ORDER BY f.idx`);
  return {
    rows: total,
    counts,
    entityCounts,
    payloadFields,
    ...(kinds.max_event !== null ? { maxEventDate: new Date(Number(kinds.max_event)).toISOString() } : {}),
    finalFailures: finalFailures.map((row) => ({ ...row, batch_number: Number(row.batch_number), row_number: Number(row.row_number) })),
  };
}

/** The tracking columns, in contract order and type, from the lines (`f`) and their classification (`k`). */
function trackingSelect(job: NativeConversionJob): string {
  const { run, batch } = job;
  const values: Record<keyof TrackingRow, string> = {
    identifier: 'k.identifier',
    record_payload: 'coalesce(k.reference_payload, f.payload_text::VARCHAR)',
    operation: `coalesce(f.operation, ${sqlString(run.operation)})`,
    status: 'k.status',
    status_message: `CASE k.kind WHEN 'null' THEN coalesce(f.status_message, ${sqlString(NULL_MESSAGE)}) WHEN 'duplicate' THEN coalesce(f.status_message, ${sqlString(DUPLICATE_MESSAGE)}) ELSE f.status_message END`,
    batch_started_at: `${sqlString(new Date(batch.startedAt).toISOString())}::TIMESTAMPTZ`,
    batch_ended_at: `${sqlString(new Date(batch.endedAt).toISOString())}::TIMESTAMPTZ`,
    sync_configuration_id: sqlString(run.syncId),
    sync_run_id: sqlString(run.runId),
    org_id: sqlString(run.orgId),
    workspace_id: `${sqlOrNull(run.workspaceId)}::VARCHAR`,
    source_object_id: sqlString(run.source.id),
    destination_id: sqlString(run.destination.id),
    destination_object_id: `${sqlOrNull(run.destinationObject?.id)}::VARCHAR`,
    entity_type: `coalesce(f.entity_type, ${sqlOrNull(run.entityType)})::VARCHAR`,
    target_id: 'f.target_id',
    instance: `${sqlOrNull(run.instance)}::VARCHAR`,
    reported_status: 'f.reported_status',
    // Milliseconds, as JavaScript's Date keeps them, without a time zone's help (none is loaded).
    event_date: 'CAST(f.event_text AS TIMESTAMPTZ) - to_microseconds(epoch_us(CAST(f.event_text AS TIMESTAMPTZ)) % 1000)',
    is_final: 'f.is_final',
    batch_type: sqlString(batch.batchType),
    batch_number: `${batch.batchNumber}::INTEGER`,
    row_number: 'f.idx::INTEGER',
  };
  return TRACKING_COLUMNS.map((column) => `${values[column.name]} AS ${column.name}`).join(', ');
}
