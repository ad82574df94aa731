import { describe, expect, it } from 'vitest';
import { batchRequestSchema, classifyBatch, resultOf } from '#domain/batch.ts';
import { canonicalJson } from '#domain/canonical-json.ts';
import type { Run } from '#domain/run-entity.ts';
import { batch } from '../../support/fixtures.ts';

function run(overrides: Partial<Run> = {}): Run {
  return {
    orgId: 'acme',
    runId: 'run-1',
    syncId: 'sync-1',
    entityName: 'HV',
    syncType: 'audience',
    operation: 'upsert',
    source: { id: 'seg-1', type: 'DataWarehouse::FilterSegmentSource', name: 'HV' },
    destination: { id: 'dest-1', name: 'Meta', connectionType: 'Meta Ads', type: 'Meta Ads::Connection' },
    status: 'running',
    dryRun: false,
    startedAt: '2026-11-20T10:00:00.000Z',
    createdAt: '2026-11-20T10:00:00.000Z',
    counts: { received: 0, succeeded: 0, partial: 0, failed: 0, null: 0, duplicate: 0 },
    batchCount: 0,
    payloadSchema: {},
    version: 0,
    expiresAt: '2026-12-04T10:00:00.000Z',
    recordsExpireAt: '2026-12-04T10:00:00.000Z',
    entityCounts: {},
    ...overrides,
  };
}

describe('classifyBatch', () => {
  it('marks records without an identifier NULL and repeated identifiers DUPLICATE, before counting', () => {
    // Arrange
    const request = batch({}, [
      { identifier: 'a' },
      { identifier: null },
      { identifier: '   ' },
      { identifier: 'a', status: 'succeeded' },
      { identifier: 'b', status: 'rejected', statusMessage: 'Invalid email format' },
      { identifier: 'c', status: 'partial success' },
    ]);
    // Act
    const { rows, counts } = classifyBatch(request, run());
    // Assert
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'NULL', 'NULL', 'DUPLICATE', 'rejected', 'partial_success']);
    expect(counts).toEqual({ received: 6, succeeded: 1, partial: 1, failed: 4, null: 2, duplicate: 1, inFlight: 0, superseded: 0 });
    expect(rows[1]!.identifier).toBeNull();
    expect(rows[3]!.status_message).toBe('identifier appears more than once in this batch');
  });

  it('keeps the first occurrence of an identifier as reported, numbers and strings alike', () => {
    const { rows } = classifyBatch(batch({}, [{ identifier: 42, status: 'rejected' }, { identifier: '42' }]), run());
    expect(rows.map((r) => [r.identifier, r.status])).toEqual([
      ['42', 'rejected'],
      ['42', 'DUPLICATE'],
    ]);
  });

  it('fills every tracking column from the record, the batch and the run', () => {
    // Arrange
    const request = batch({ batchType: 'records_deleted', batchNumber: 3 }, [
      { identifier: 'x', status: 'Failed', statusMessage: 'Token expired', payload: { email: 'x', tags: ['a'] } },
    ]);
    // Act
    const [row] = classifyBatch(request, run({ instance: 'erp-sync', entityType: 'item', workspaceId: 'ws-1' })).rows;
    // Assert
    expect(row).toMatchObject({
      identifier: 'x',
      record_payload: '{"email":"x","tags":["a"]}',
      operation: 'upsert',
      status: 'rejected',
      reported_status: 'Failed',
      status_message: 'Token expired',
      sync_configuration_id: 'sync-1',
      sync_run_id: 'run-1',
      org_id: 'acme',
      workspace_id: 'ws-1',
      source_object_id: 'seg-1',
      destination_id: 'dest-1',
      entity_type: 'item',
      instance: 'erp-sync',
      batch_type: 'records_deleted',
      batch_number: 3,
      row_number: 0,
    });
    expect(row!.batch_started_at.toISOString()).toBe('2026-11-20T10:00:00.000Z');
  });

  it('takes the max event date from processed records only', () => {
    const request = batch({}, [
      { identifier: 'a', eventDate: '2026-11-19T10:00:00Z' },
      { identifier: 'b', eventDate: '2026-11-19T12:00:00+02:00' },
      { identifier: 'c', eventDate: '2026-11-20T00:00:00Z', status: 'rejected' },
    ]);
    expect(classifyBatch(request, run()).maxEventDate).toBe('2026-11-19T10:00:00.000Z');
  });

  it('maps payload fields to every JSON type they hold, null among them', () => {
    const request = batch({}, [
      { identifier: 'a', payload: { email: 'a', ltv: 1, vip: true, tags: [], address: { city: 'x' }, phone: null, gone: null } },
      { identifier: 'b', payload: { phone: '+1', ltv: '1.5' } },
    ]);
    expect(classifyBatch(request, run()).payloadFields).toEqual({
      email: ['string'],
      ltv: ['string', 'number'],
      vip: ['boolean'],
      tags: ['array'],
      address: ['object'],
      phone: ['string', 'null'],
      gone: ['null'],
    });
  });

  it('answers with the API counters: succeeded includes partial successes, failed includes the invalid', () => {
    const result = resultOf({ batchType: 'records_updated', batchNumber: 0, counts: { received: 5, succeeded: 2, partial: 1, failed: 2, null: 1, duplicate: 0 } });
    expect(result).toEqual({ batchType: 'records_updated', batchNumber: 0, received: 5, succeeded: 3, partialSuccess: 1, failed: 2, inProgress: 0, superseded: 0, invalid: { null: 1, duplicate: 0 } });
  });

  it('counts in-flight records as neither success nor failure; a later record of the same identifier supersedes one, not a DUPLICATE', () => {
    // Arrange: a in progress then done; b extracting, then in progress, then failed; c still in progress; d done twice.
    const request = batch({}, [
      { identifier: 'a', status: 'in_progress' },
      { identifier: 'b', status: 'extracting', entityType: 'item' },
      { identifier: 'c', status: 'In Progress' },
      { identifier: 'a', status: 'success' },
      { identifier: 'b', status: 'in progress', entityType: 'item' },
      { identifier: 'b', status: 'failed', entityType: 'item' },
      { identifier: 'd', status: 'success' },
      { identifier: 'd', status: 'success' },
      { identifier: 'a', status: 'success' },
      { identifier: null, status: 'in_progress' },
    ]);
    // Act
    const { rows, counts, entityCounts } = classifyBatch(request, run());
    // Assert
    expect(rows.map((r) => r.status)).toEqual(['in_progress', 'extracting', 'in_progress', 'succeeded', 'in_progress', 'rejected', 'succeeded', 'DUPLICATE', 'DUPLICATE', 'NULL']);
    expect(counts).toEqual({ received: 10, succeeded: 2, partial: 0, failed: 4, null: 1, duplicate: 2, inFlight: 4, superseded: 3 });
    expect(entityCounts).toMatchObject({ 'item|inFlight': 2, 'item|superseded': 2, 'item|failed': 1, '(none)|inFlight': 2, '(none)|superseded': 1 });
    expect(resultOf({ batchType: 'x', batchNumber: 0, counts })).toMatchObject({ inProgress: 1, superseded: 3, succeeded: 2, failed: 4 });
  });

  it('takes no latest event date from an in-flight record', () => {
    const request = batch({}, [
      { identifier: 'a', status: 'in_progress', eventDate: '2026-11-21T00:00:00Z' },
      { identifier: 'b', status: 'success', eventDate: '2026-11-20T00:00:00Z' },
    ]);
    expect(classifyBatch(request, run()).maxEventDate).toBe('2026-11-20T00:00:00.000Z');
  });
});

describe('batch validation', () => {
  it.each([
    ['an unknown status', { records: [{ identifier: 'a', status: 'maybe' }] }, 'records.0.status'],
    ['NULL from a producer', { records: [{ identifier: 'a', status: 'NULL' }] }, 'records.0.status'],
    ['a batch type that escapes its prefix', { batchType: '../x' }, 'batchType'],
    ['a negative batch number', { batchNumber: -1 }, 'batchNumber'],
    ['a fractional batch number', { batchNumber: 1.5 }, 'batchNumber'],
    ['no records', { records: [] }, 'records'],
    ['an unknown field', { extra: true }, ''],
    ['endedAt before startedAt', { endedAt: '2026-11-20T09:00:00Z' }, 'endedAt'],
    ['a date that is not ISO-8601', { startedAt: 'yesterday' }, 'startedAt'],
    ['a payload that is not an object', { records: [{ identifier: 'a', status: 'succeeded', payload: [1] }] }, 'records.0.payload'],
  ])('refuses %s', (_name, overrides, path) => {
    // Act
    const result = batchRequestSchema.safeParse({ ...batch(), ...overrides });
    // Assert
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('writes equal values as equal text whatever the key order (how a PUT that changes nothing is recognized)', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
  });
});
