import * as z from 'zod';
import { count, errorCategory, nullableString, page, runContextFields, runStatus, str } from './common.ts';

/** What every record row carries, in records, Sync Logs and the identifier timeline. */
const rowFields = {
  identifier: nullableString,
  status: str,
  reportedStatus: nullableString,
  statusMessage: nullableString,
  operation: str,
  entityType: nullableString,
  targetId: nullableString,
  eventDate: nullableString,
  final: z.boolean(),
  batchType: str,
  batchNumber: count,
  rowNumber: count,
  batchStartedAt: str,
  batchEndedAt: str,
};

export const recordAnswer = z.strictObject({ ...rowFields, instance: nullableString, syncId: str, runId: str, payload: z.unknown() }).meta({ description: 'One record outcome of a run' });
export const recordsPageAnswer = page(recordAnswer);

/** A CSV or NDJSON file. */
export const exportAnswer = z.string();

export const runErrorsAnswer = z.strictObject({
  runId: str,
  failed: count,
  items: z.array(
    z.strictObject({
      statusMessage: nullableString,
      statuses: z.array(str),
      count,
      sampleIdentifiers: z.array(str),
      category: errorCategory,
      resolutionKey: nullableString,
      resolutionTitle: nullableString,
      resolutionDoc: nullableString,
    }),
  ),
});

export const timelineAnswer = z.strictObject({
  identifier: str,
  items: z.array(
    z.strictObject({
      ...rowFields,
      category: errorCategory.nullable(),
      payload: z.unknown(),
      runStatus,
      runStartedAt: str,
      ...runContextFields,
      executionDate: nullableString,
    }),
  ),
  destinations: z.array(
    z.strictObject({
      syncId: str,
      entityName: str,
      destinationId: str,
      destinationName: str,
      connectionType: str,
      lastStatus: str,
      lastStatusMessage: nullableString,
      lastCategory: errorCategory.nullable(),
      lastRunId: str,
      lastSeenAt: str,
      counts: z.strictObject({ success: count, failed: count, partial: count, in_flight: count }),
    }),
  ),
  runsRead: count,
  nextCursor: nullableString,
});

export const logsPageAnswer = page(
  z.strictObject({
    ...rowFields,
    instance: nullableString,
    syncId: str,
    runId: str,
    badge: z.enum(['success', 'failed', 'partial_success', 'partially_failed', 'extraction_failed', 'in_progress', 'extracting', 'completed']),
    invalidReason: z.enum(['no_identifier', 'duplicate']).nullable(),
    sourceId: nullableString,
    started: str,
    details: nullableString,
  }),
);

/** A run diff's counts by identifier; `against` is null when the sync had no earlier run to compare with. */
export const runDiffAnswer = z.strictObject({ runId: str, against: nullableString, added: count, removed: count, changed: count, unchanged: count });

/** A page of a run diff's identifiers of one kind. */
export const runDiffRecordsAnswer = page(z.strictObject({ identifier: str }));
