import { dlqPendingOf, writeDeadLetters } from './batch.ts';
import type { BatchRecord } from './batch-entity.ts';
import { claimTime, writerIsDead } from './deadlines.ts';
import { dlqItemsOf } from './dlq.ts';
import type { Deps } from './ports.ts';
import { mergeFieldTypes, type FieldTypes } from './payload.ts';
import type { Run } from './run-entity.ts';
import { outcomeOf, type RecordStatus } from './statuses.ts';

/** A conversion that died this many times is given up, with why: the object itself kills it. */
const MAX_CONVERSION_ATTEMPTS = 3;
/** An upload object's own event starts its conversion within seconds; after this long without one, it is asked for. */
const UPLOAD_EVENT_GRACE_MS = 2 * 60 * 1000;
/** Rows read back from a batch file at a time, to find its dead letters. */
const ROWS_PER_READ = 10_000;

/** A batch completion must still wait for, and why. */
export interface Waiting {
  batchType: string;
  batchNumber: number;
  reason: 'writing' | 'converting' | 'awaiting_upload' | 'converting_again';
  /** When the wait ends at the latest (the writer's deadline, the upload URL's expiry). */
  until: string | null;
}

export interface Settlement {
  /** Batches whose file was written by a writer that stopped short: counted now. */
  rolledForward: string[];
  /** Claims whose writer died before writing anything: let go (a retry of the batch counts it). */
  abandoned: string[];
  waiting: Waiting[];
}

/**
 * Brings every batch of a run to where no writer can still change it, rolling forward from
 * what each batch item holds: a claim whose file exists is counted, a claim whose writer
 * died before its file is let go, a counted batch's missing dead-letter items are written
 * (also on a finished run), and an upload whose conversion died, or whose object's event was
 * lost, is converted again from its object. Batches a live writer may still finish are
 * answered as `waiting`. Idempotent.
 */
export async function settleBatches(deps: Deps, run: Run, batches: BatchRecord[]): Promise<Settlement> {
  const settlement: Settlement = { rolledForward: [], abandoned: [], waiting: [] };
  const now = deps.clock.now();
  const wait = (batch: BatchRecord, reason: Waiting['reason'], until: string | undefined) => {
    settlement.waiting.push({ batchType: batch.batchType, batchNumber: batch.batchNumber, reason, until: until ?? null });
  };

  await Promise.all(
    batches.map(async (batch) => {
      const dead = writerIsDead(batch, now, deps.config);
      if (batch.state === 'done') {
        if (!batch.dlqPending) return;
        // Counted; its writer is storing its dead letters, unless it died doing so.
        if (!dead) return wait(batch, batch.source === 'upload' ? 'converting' : 'writing', batch.writeDeadline);
        await writeDeadLetters(deps, run, batch, () => deadLettersFromFile(deps, run, batch));
        return;
      }
      if (run.status !== 'running' || batch.state === 'failed') return;

      if (batch.state === 'writing' && batch.contentHash) {
        // Counts are on the item; the file is there whole or not at all.
        const file = batch.fileKey ? await deps.files.head(batch.fileKey) : undefined;
        if (file) {
          if (await rollForward(deps, run, batch, file.bytes)) settlement.rolledForward.push(batch.batchKey);
          return;
        }
        if (!dead) return wait(batch, batch.source === 'upload' ? 'converting' : 'writing', batch.writeDeadline);
        // Died before its file (a dry run's writer: before its count): nothing to count.
        if (batch.source !== 'upload') {
          if (await deps.runs.abandonBatch(run.orgId, run.runId, batch.batchKey, batch.claimedAt)) settlement.abandoned.push(batch.batchKey);
          return;
        }
      }

      if (batch.source === 'upload' && batch.uploadKey) {
        if (claimTime(batch) && !dead) return wait(batch, 'converting', batch.writeDeadline);
        const object = await deps.files.head(batch.uploadKey);
        if (!object) {
          if (!claimTime(batch) && Date.parse(batch.uploadExpiresAt ?? '') > now.getTime()) wait(batch, 'awaiting_upload', batch.uploadExpiresAt);
          return;
        }
        // Just arrived: its own event is starting the conversion.
        const eventLost = deps.config.writersAliveSince !== undefined && object.modifiedAt < deps.config.writersAliveSince;
        if (!claimTime(batch) && !eventLost && Date.parse(object.modifiedAt) + UPLOAD_EVENT_GRACE_MS > now.getTime()) return wait(batch, 'converting', undefined);
        if ((batch.conversionAttempts ?? 0) >= MAX_CONVERSION_ATTEMPTS) {
          await deps.runs.failUpload(run.orgId, run.runId, batch.batchKey, batch.uploadKey, {
            reason: `the conversion stopped ${batch.conversionAttempts} times without finishing; upload the batch again`,
            badLines: [],
            invalidLines: 0,
          });
          return;
        }
        await deps.conversions.enqueue(batch.uploadKey);
        return wait(batch, 'converting_again', undefined);
      }
    }),
  );
  return settlement;
}

/**
 * Counts a claimed batch whose file is written, its Athena manifest first (its writer may
 * have died before writing it); false when somebody else did, or took the claim over.
 */
async function rollForward(deps: Deps, run: Run, batch: BatchRecord, fileBytes: number): Promise<boolean> {
  if (batch.fileKey) await deps.files.writeManifest(batch.fileKey, { ifMissing: true });
  const dlqPending = dlqPendingOf(run, batch);
  const counted = await deps.runs.markBatchDone(run.orgId, run.runId, batch.batchKey, batch.claimedAt, deps.clock.now().toISOString(), fileBytes, dlqPending);
  if (counted && dlqPending) await writeDeadLetters(deps, run, batch, () => deadLettersFromFile(deps, run, batch));
  return counted;
}

/** A batch's dead-letter items, from its file: the records reported final and failed, read a row group at a time. */
async function deadLettersFromFile(deps: Deps, run: Run, batch: BatchRecord) {
  if (!batch.fileKey) return [];
  const marks = await deps.files.readColumns(batch.fileKey, ['is_final', 'status']);
  const chunks = new Set<number>();
  marks.forEach((mark, row) => {
    if (mark.is_final && outcomeOf(mark.status as RecordStatus) === 'failed') chunks.add(Math.floor(row / ROWS_PER_READ));
  });
  const rows = [];
  for (const chunk of [...chunks].sort((a, b) => a - b)) {
    const start = chunk * ROWS_PER_READ;
    rows.push(...(await deps.files.readRows(batch.fileKey, start, Math.min(start + ROWS_PER_READ, marks.length))));
  }
  // Dated by the batch, as its first writer dated them: a rewrite overwrites, never adds.
  return dlqItemsOf(rows, run, batch.createdAt);
}

/**
 * A run's whole payload schema, from its done batches: the fields each batch item keeps, and
 * the file's footer for a batch with more fields than its item holds.
 */
export async function runPayloadSchema(deps: Deps, run: Run, batches: BatchRecord[]): Promise<FieldTypes> {
  const schema = mergeFieldTypes({}, run.payloadSchema);
  const done = batches.filter((b) => b.state === 'done').sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  const footers = await Promise.all(done.map((b) => (b.payloadFieldsTruncated && b.fileKey ? deps.files.readPayloadSchema(b.fileKey) : undefined)));
  done.forEach((batch, i) => mergeFieldTypes(schema, footers[i] ?? batch.payloadFields ?? {}));
  return schema;
}
