import { describe, expect, it } from 'vitest';
import { canonicalJson } from '#domain/canonical-json.ts';
import { addPayloadFieldTypes, boundedFields, MAX_ITEM_SCHEMA_FIELDS, MAX_PAYLOAD_DEPTH, mergeFieldTypes, nestingDepth, payloadSchema, type JsonType } from '#domain/payload.ts';

const nested = (depth: number) => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) as Record<string, unknown>;

describe('payloadSchema', () => {
  it('takes objects up to 64 levels deep and refuses deeper ones with a clear message', () => {
    expect(payloadSchema.safeParse(nested(MAX_PAYLOAD_DEPTH)).success).toBe(true);
    const deeper = payloadSchema.safeParse(nested(MAX_PAYLOAD_DEPTH + 1));
    expect(deeper.success).toBe(false);
    expect(deeper.error?.issues[0]?.message).toBe('payload nests deeper than 64 levels');
  });

  it('measures a 100,000-level payload without overflowing the stack', () => {
    expect(nestingDepth(nested(100_000))).toBe(MAX_PAYLOAD_DEPTH + 1);
    expect(payloadSchema.safeParse(nested(100_000)).success).toBe(false);
  });

  it('counts arrays as levels too', () => {
    expect(nestingDepth({ a: [[{ b: 1 }]] })).toBe(4);
  });

  it('refuses what is not a JSON object', () => {
    for (const value of [null, [], 'x', 3]) expect(payloadSchema.safeParse(value).success).toBe(false);
  });

  it('keeps the very object it was given, so a __proto__ field stays data', () => {
    const payload = JSON.parse('{"__proto__":{"x":1},"b":2}') as Record<string, unknown>;
    const parsed = payloadSchema.parse(payload);
    expect(parsed).toBe(payload);
    expect(JSON.stringify(parsed)).toBe('{"__proto__":{"x":1},"b":2}');
  });
});

describe('canonicalJson', () => {
  it('gives equal text for equal values whatever their key order, at every depth', () => {
    expect(canonicalJson({ b: { d: 1, c: [2, { f: 1, e: 2 }] }, a: null })).toBe(canonicalJson({ a: null, b: { c: [2, { e: 2, f: 1 }], d: 1 } }));
  });

  it('keeps a __proto__ key, and tells it apart from its absence', () => {
    const withProto = JSON.parse('{"__proto__":{"x":1}}');
    expect(canonicalJson(withProto)).toBe('{"__proto__":{"x":1}}');
    expect(canonicalJson(withProto)).not.toBe(canonicalJson({}));
  });

  it('writes what JSON.stringify writes for scalars, dates and undefined fields', () => {
    expect(canonicalJson({ s: 'é"', n: 1.5, t: true, d: new Date(0), u: undefined })).toBe('{"d":"1970-01-01T00:00:00.000Z","n":1.5,"s":"é\\"","t":true}');
  });
});

describe('payload field types', () => {
  it('keeps the first type seen, says nothing for null, and keeps __proto__ as a field', () => {
    const types: Record<string, JsonType> = {};
    addPayloadFieldTypes(types, JSON.parse('{"a":1,"b":null,"__proto__":"x"}'));
    addPayloadFieldTypes(types, { a: 'later', c: [1] });
    expect(JSON.stringify(types)).toBe('{"a":"number","__proto__":"string","c":"array"}');
    expect(Object.getPrototypeOf(types)).toBe(Object.prototype);
  });

  it('merges schemas, first type winning', () => {
    expect(mergeFieldTypes({ a: 'number' }, { a: 'string', b: 'boolean' })).toEqual({ a: 'number', b: 'boolean' });
  });

  it('bounds what an item keeps: by count, by bytes of names, never __proto__', () => {
    const many = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`field_${String(i).padStart(4, '0')}_${'x'.repeat(90)}`, 'string' as const]));
    const bounded = boundedFields(many);
    expect(bounded.truncated).toBe(true);
    expect(Object.keys(bounded.fields).length).toBeLessThanOrEqual(MAX_ITEM_SCHEMA_FIELDS);
    expect(Object.keys(bounded.fields).reduce((sum, name) => sum + Buffer.byteLength(name), 0)).toBeLessThanOrEqual(16 * 1024);
    expect(boundedFields({ a: 'number', b: 'string' })).toEqual({ fields: { a: 'number', b: 'string' }, truncated: false });
    expect(boundedFields(JSON.parse('{"__proto__":"object","a":"number"}'))).toEqual({ fields: { a: 'number' }, truncated: true });
  });
});
