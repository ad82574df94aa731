import * as z from 'zod';

/**
 * A record's payload: any JSON object, stored in the parquet file as JSON text exactly as
 * the producer sent it. Checked here, not rebuilt: zod's `record` would copy it through
 * plain assignment, and `obj['__proto__'] = …` sets a prototype instead of keeping the field.
 */
export const MAX_PAYLOAD_DEPTH = 64;

export type JsonType = 'string' | 'number' | 'boolean' | 'array' | 'object';

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
function setOwn(target: Record<string, JsonType>, key: string, value: JsonType) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Adds a payload's field types to `types`; the first type seen wins, null says nothing. */
export function addPayloadFieldTypes(types: Record<string, JsonType>, payload: Record<string, unknown>): void {
  for (const field of Object.keys(payload)) {
    const value = payload[field];
    if (field === '' || Object.hasOwn(types, field) || value === null || value === undefined) continue;
    setOwn(types, field, Array.isArray(value) ? 'array' : (typeof value as JsonType));
  }
}

/** Adds `more` to `types`, first type seen winning, and answers `types`. */
export function mergeFieldTypes(types: Record<string, JsonType>, more: Record<string, JsonType>): Record<string, JsonType> {
  for (const field of Object.keys(more)) if (!Object.hasOwn(types, field)) setOwn(types, field, more[field]!);
  return types;
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
export function boundedFields(types: Record<string, JsonType>, room = MAX_ITEM_SCHEMA_FIELDS, roomBytes = MAX_ITEM_SCHEMA_NAME_BYTES) {
  const fields: Record<string, JsonType> = {};
  let bytes = 0;
  let kept = 0;
  const names = Object.keys(types).sort();
  for (const name of names) {
    const size = Buffer.byteLength(name);
    if (kept >= room || bytes + size > roomBytes || !fitsOnItem(name)) continue;
    setOwn(fields, name, types[name]!);
    bytes += size;
    kept += 1;
  }
  return { fields, truncated: kept < names.length };
}
