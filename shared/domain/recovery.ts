import { writeDeadLetters, type BatchRecord } from './batch.ts';
import { dlqItemsOf } from './dlq.ts';
import type { Config, Deps } from './ports.ts';
import { mergeFieldTypes, type JsonType } from './payload.ts';
import type { Run } from './run.ts';
import { outcomeOf, type RecordStatus } from './statuses.ts';

/** A conversion that died this many times is given up, with why: the object itself kills it. */
export const MAX_CONVERSION_ATTEMPTS = 3;

/**
 * The writer of a batch is known dead once its deadline has passed (its function timed out),
 * or, in local mode, when it claimed the batch before the process started.
 */
export function writerIsDead(batch: Pick<BatchRecord, 'claimedAt' | 'writeDeadline'>, now: Date, config: Pick<Config, 'writersAliveSince'>): boolean {
  if (!batch.claimedAt) return false;
  if (config.writersAliveSince && batch.claimedAt < config.writersAliveSince) return true;
  return Date.parse(batch.writeDeadline ?? '') <= now.getTime();
}

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
 * Brings every batch of a running run to where no writer can still change it, rolling
 * forward from what each batch item holds: a claim whose file exists is counted, a claim
 * whose writer died before its file is let go, a counted batch's missing dead-letter items
 * are written, and an upload whose conversion died is converted again from its object.
 * Batches a live writer may still finish are answered as `waiting`. Idempotent.
 */
export async function settleBatches(deps: Deps, run: Run, batches: BatchRecord[]): Promise<Settlement> {
  const settlement: Settlement = { rolledForward: [], abandoned: [], waiting: [] };
  const now = deps.clock.now();
  const wait = (batch: BatchRecord, reason: Waiting['reason'], until: string | undefined) =>
    settlement.waiting.push({ batchType: batch.batchType, batchNumber: batch.batchNumber, reason, until: until ?? null });

  await Promise.all(
    batches.map(async (batch) => {
      if (batch.state === 'done') {
        if (batch.dlqPending) await writeDeadLetters(deps, run, batch, () => deadLettersFromFile(deps, run, batch));
        return;
      }
      if (batch.state === 'failed') return;
      const dead = writerIsDead(batch, now, deps.config);

      if (batch.state === 'writing' && batch.contentHash) {
        // Counts are on the item; the file is there whole or not at all.
        const fileBytes = batch.fileKey ? await deps.files.size(batch.fileKey) : undefined;
        if (fileBytes !== undefined || (!batch.fileKey && dead)) {
          if (await rollForward(deps, run, batch, fileBytes)) settlement.rolledForward.push(batch.batchKey);
          return;
        }
        if (!dead) return wait(batch, batch.source === 'upload' ? 'converting' : 'writing', batch.writeDeadline);
        if (batch.source !== 'upload') {
          if (await deps.runs.abandonBatch(run.orgId, run.runId, batch.batchKey, batch.claimedAt!)) settlement.abandoned.push(batch.batchKey);
          return;
        }
      }

      if (batch.source === 'upload') {
        if (batch.claimedAt && !dead) return wait(batch, 'converting', batch.writeDeadline);
        // The conversion died, or never started (its object's event was lost): convert again if the object is there.
        const arrived = batch.uploadKey !== undefined && (await deps.files.size(batch.uploadKey)) !== undefined;
        if (!arrived) {
          if (!batch.claimedAt && Date.parse(batch.uploadExpiresAt ?? '') > now.getTime()) wait(batch, 'awaiting_upload', batch.uploadExpiresAt);
          return;
        }
        if ((batch.conversionAttempts ?? 0) >= MAX_CONVERSION_ATTEMPTS) {
          await deps.runs.failUpload(run.orgId, run.runId, batch.batchKey, batch.uploadKey!, {
            reason: `the conversion stopped ${batch.conversionAttempts} times without finishing; upload the batch again`,
            badLines: [],
            invalidLines: 0,
          });
          return;
        }
        await deps.conversions.enqueue(batch.uploadKey!);
        return wait(batch, 'converting_again', undefined);
      }
    }),
  );
  return settlement;
}

/** Counts a claimed batch whose file is written (or a dry-run batch whose writer died); false when somebody else did. */
async function rollForward(deps: Deps, run: Run, batch: BatchRecord, fileBytes: number | undefined): Promise<boolean> {
  const dlqPending = !run.dryRun && (batch.finalFailures ?? 1) > 0;
  const counted = await deps.runs.markBatchDone(run.orgId, run.runId, batch.batchKey, deps.clock.now().toISOString(), fileBytes, dlqPending);
  if (counted && dlqPending) await writeDeadLetters(deps, run, batch, () => deadLettersFromFile(deps, run, batch));
  return counted;
}

/** A batch's dead-letter items, from its file: the records reported final and failed. */
async function deadLettersFromFile(deps: Deps, run: Run, batch: BatchRecord) {
  if (!batch.fileKey) return [];
  const marks = await deps.files.readColumns(batch.fileKey, ['is_final', 'status', 'row_number']);
  const rows = [];
  for (const mark of marks) {
    if (!mark.is_final || outcomeOf(mark.status as RecordStatus) !== 'failed') continue;
    rows.push(...(await deps.files.readRows(batch.fileKey, mark.row_number, mark.row_number + 1)));
  }
  return dlqItemsOf(rows, run, batch.doneAt ?? deps.clock.now().toISOString());
}

/**
 * A run's whole payload schema, from its done batches: the fields each batch item keeps, and
 * the file's footer for a batch with more fields than its item holds.
 */
export async function runPayloadSchema(deps: Deps, run: Run, batches: BatchRecord[]): Promise<Record<string, JsonType>> {
  const schema = mergeFieldTypes({}, run.payloadSchema);
  const done = batches.filter((b) => b.state === 'done').sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  const footers = await Promise.all(done.map((b) => (b.payloadFieldsTruncated && b.fileKey ? deps.files.readPayloadSchema(b.fileKey) : undefined)));
  done.forEach((batch, i) => mergeFieldTypes(schema, footers[i] ?? batch.payloadFields ?? {}));
  return schema;
}
