import * as z from 'zod';

/**
 * A record's payload: any JSON object, stored in the parquet file as JSON text exactly as
 * the producer sent it. Checked here, not rebuilt: zod's `record` would copy it through
 * plain assignment, and `obj['__proto__'] = …` sets a prototype instead of keeping the field.
 */
export const MAX_PAYLOAD_DEPTH = 64;

/** The JSON types a payload field can hold, in the order a schema lists them. */
export const JSON_TYPES = ['string', 'number', 'boolean', 'array', 'object', 'null'] as const;
export type JsonType = (typeof JSON_TYPES)[number];

/** A payload schema: each field with every JSON type it was seen with, in `JSON_TYPES` order. */
export type FieldTypes = Record<string, JsonType[]>;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** How deeply `value` nests, counted without recursion (so a hostile depth cannot overflow the stack); stops past `limit`. */
export function nestingDepth(value: unknown, limit = MAX_PAYLOAD_DEPTH): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

export const payloadSchema = z
  .custom<Record<string, unknown>>(isPlainObject, { message: 'payload must be a JSON object' })
  .refine((payload) => nestingDepth(payload) <= MAX_PAYLOAD_DEPTH, {
    message: `payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels`,
  });


/** Sets an own property, `__proto__` included. */
function setOwn<T>(target: Record<string, T>, key: string, value: T) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const RANK: Record<string, number> = Object.fromEntries(JSON_TYPES.map((type, i) => [type, i]));

/** A JSON value's type. */
export const jsonTypeOf = (value: unknown): JsonType =>
  value === null || value === undefined ? 'null' : Array.isArray(value) ? 'array' : (typeof value as JsonType);

/** Adds `type` to a field's list, kept in `JSON_TYPES` order; answers whether it was new. */
function addType(types: FieldTypes, field: string, type: JsonType): boolean {
  const list = Object.hasOwn(types, field) ? types[field]! : undefined;
  if (!list) {
    setOwn(types, field, [type]);
    return true;
  }
  if (list.includes(type)) return false;
  list.push(type);
  list.sort((a, b) => RANK[a]! - RANK[b]!);
  return true;
}

/** Adds a payload's field types to `types`: every type a field is seen with, `null` among them. */
export function addPayloadFieldTypes(types: FieldTypes, payload: Record<string, unknown>): void {
  for (const field of Object.keys(payload)) {
    if (field === '') continue;
    const type = jsonTypeOf(payload[field]);
    // The hot path: a field seen before with the same type.
    const list = Object.hasOwn(types, field) ? types[field]! : undefined;
    if (list && (list[0] === type || list.includes(type))) continue;
    addType(types, field, type);
  }
}

/**
 * A stored schema, whatever its age: one type as a string (files and items written before
 * fields listed every type), a list, or a DynamoDB string set. Unknown words are dropped.
 */
export function fieldTypesOf(stored: unknown): FieldTypes {
  const types: FieldTypes = {};
  if (typeof stored !== 'object' || stored === null) return types;
  for (const field of Object.keys(stored)) {
    const value = (stored as Record<string, unknown>)[field];
    const words = typeof value === 'string' ? [value] : Array.isArray(value) || value instanceof Set ? [...value] : [];
    for (const word of words) if (typeof word === 'string' && Object.hasOwn(RANK, word)) addType(types, field, word as JsonType);
  }
  return types;
}

/** Adds every type of `more` (in any stored form) to `types`, and answers `types`. */
export function mergeFieldTypes(types: FieldTypes, more: unknown): FieldTypes {
  const incoming = fieldTypesOf(more);
  for (const field of Object.keys(incoming)) for (const type of incoming[field]!) addType(types, field, type);
  return types;
}

/** The types of `types` that `known` does not list yet (fields and types both). */
export function newFieldTypes(types: FieldTypes, known: FieldTypes): FieldTypes {
  const fresh: FieldTypes = {};
  for (const field of Object.keys(types)) {
    const seen = Object.hasOwn(known, field) ? known[field]! : [];
    const more = types[field]!.filter((type) => !seen.includes(type));
    if (more.length) setOwn(fresh, field, more);
  }
  return fresh;
}

/**
 * The schema as `metadata.json` and the file footers publish it, fields by name: a field seen
 * with one type maps to that type's name, one seen with several to the list of them (JSON
 * Schema's convention for `type`), so a reader of single-typed fields reads what it always did.
 */
export function publishedSchema(types: FieldTypes): Record<string, JsonType | JsonType[]> {
  const published: Record<string, JsonType | JsonType[]> = {};
  for (const field of Object.keys(types).sort()) {
    const list = types[field]!;
    setOwn(published, field, list.length === 1 ? list[0]! : [...list]);
  }
  return published;
}

/**
 * A stored item (a batch, the run) keeps at most this many payload fields, and at most this
 * many bytes of field names: DynamoDB refuses items over 400 KB. The whole schema is kept in
 * each parquet file's footer and in the run's `metadata.json`.
 */
export const MAX_ITEM_SCHEMA_FIELDS = 200;
export const MAX_ITEM_SCHEMA_NAME_BYTES = 16 * 1024;
/** A longer field name is listed in the footer and `metadata.json` only: 200 of them stay far under the item limit. */
export const MAX_ITEM_FIELD_NAME_BYTES = 256;

/** Whether a field may be listed on a stored item (`__proto__` is data in a payload, but no name for an item's map). */
export const fitsOnItem = (name: string) => name !== '__proto__' && Buffer.byteLength(name) <= MAX_ITEM_FIELD_NAME_BYTES;

/** The first fields of a schema (by name) that fit on an item, and whether any were left out. */
export function boundedFields(types: FieldTypes, room = MAX_ITEM_SCHEMA_FIELDS, roomBytes = MAX_ITEM_SCHEMA_NAME_BYTES) {
  const fields: FieldTypes = {};
  let bytes = 0;
  let kept = 0;
  const names = Object.keys(types).sort();
  for (const name of names) {
    const size = Buffer.byteLength(name);
    if (kept >= room || bytes + size > roomBytes || !fitsOnItem(name)) continue;
    setOwn(fields, name, [...types[name]!]);
    bytes += size;
    kept += 1;
  }
  return { fields, truncated: kept < names.length };
}
