import { describe, expect, it } from 'vitest';
import { canonicalJson } from '#domain/canonical-json.ts';
import { addPayloadFieldTypes, boundedFields, fieldTypesOf, MAX_ITEM_SCHEMA_FIELDS, MAX_PAYLOAD_DEPTH, mergeFieldTypes, nestingDepth, newFieldTypes, payloadSchema, publishedSchema, type FieldTypes } from '#domain/payload.ts';

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
  it('lists every type a field is seen with, null among them, in one order, and keeps __proto__ as a field', () => {
    // Arrange
    const types: FieldTypes = {};
    // Act
    addPayloadFieldTypes(types, JSON.parse('{"a":1,"b":null,"__proto__":"x","d":{}}'));
    addPayloadFieldTypes(types, { a: 'later', c: [1], b: null });
    addPayloadFieldTypes(types, { a: null, c: true, d: { e: 1 } });
    // Assert
    expect(JSON.stringify(types)).toBe('{"a":["string","number","null"],"b":["null"],"__proto__":["string"],"d":["object"],"c":["boolean","array"]}');
    expect(Object.getPrototypeOf(types)).toBe(Object.prototype);
  });

  it('merges schemas in every stored form: lists, one type as a string (older files and items), string sets', () => {
    expect(mergeFieldTypes({ a: ['number'] }, { a: 'string', b: ['boolean', 'null'], c: new Set(['null', 'array']) })).toEqual({
      a: ['string', 'number'],
      b: ['boolean', 'null'],
      c: ['array', 'null'],
    });
    expect(fieldTypesOf({ a: 'date', b: ['string', 'mystery'], c: 3 })).toEqual({ b: ['string'] });
    expect(fieldTypesOf(JSON.parse('{"__proto__":"object"}'))).toEqual(JSON.parse('{"__proto__":["object"]}'));
  });

  it('names the types a batch adds to what the run lists', () => {
    expect(newFieldTypes({ a: ['string', 'number'], b: ['null'], c: ['array'] }, { a: ['number'], c: ['array'] })).toEqual({ a: ['string'], b: ['null'] });
  });

  it('publishes one type as its name and several as their list, fields by name', () => {
    const published = publishedSchema({ z: ['string'], a: ['number', 'null'], m: ['null'] });
    expect(JSON.stringify(published)).toBe('{"a":["number","null"],"m":"null","z":"string"}');
  });

  it('bounds what an item keeps: by count, by bytes of names, never __proto__', () => {
    const many = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`field_${String(i).padStart(4, '0')}_${'x'.repeat(90)}`, ['string' as const]]));
    const bounded = boundedFields(many);
    expect(bounded.truncated).toBe(true);
    expect(Object.keys(bounded.fields).length).toBeLessThanOrEqual(MAX_ITEM_SCHEMA_FIELDS);
    expect(Object.keys(bounded.fields).reduce((sum, name) => sum + Buffer.byteLength(name), 0)).toBeLessThanOrEqual(16 * 1024);
    expect(boundedFields({ a: ['number'], b: ['string', 'null'] })).toEqual({ fields: { a: ['number'], b: ['string', 'null'] }, truncated: false });
    expect(boundedFields(JSON.parse('{"__proto__":["object"],"a":["number"]}'))).toEqual({ fields: { a: ['number'] }, truncated: true });
  });
});
