import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { requireOrgKey } from './authz.ts';
import {
  BatchClassifier,
  batchKeyOf,
  batchRecordSchema,
  commitBatch,
  MAX_ENTITY_TYPES_PER_BATCH,
  resultOf,
  emptyCounts,
} from './batch.ts';
import type { BatchCounts, BatchError, BatchRecord, EntityCounts } from './batch-entity.ts';
import { DomainError, conflict } from './errors.ts';
import { dlqItemsOf } from './dlq.ts';
import { idSchema, isSafeId } from './ids.ts';
import type { Principal } from './keys.ts';
import type { BatchEngine, Deps, DownloadedUpload } from './ports.ts';
import { isExpired, type Run } from './run-entity.ts';
import { loadLiveRun } from './live-run.ts';
import { boundedFields, type FieldTypes } from './payload.ts';
import { settleBatches } from './recovery.ts';
import { claimTime, CONVERSION_DEADLINE_MS, deadlineAfter, writerIsDead } from './deadlines.ts';
import { outcomeOf, type RecordStatus } from './statuses.ts';
import { trackingFileKey, type TrackingRow } from './tracking-row.ts';
import { describeIssue, requiredWhenMissing } from './validation-messages.ts';
import { MAX_LINE_BYTES, MAX_LINES_PER_UPLOAD } from './upload-limits.ts';

/** A pre-signed upload URL works for this long. */
export const UPLOAD_URL_SECONDS = 15 * 60;
export { MAX_LINE_BYTES, MAX_LINES_PER_UPLOAD } from './upload-limits.ts';
const BAD_LINES_REPORTED = 20;
const MAX_MESSAGE_CHARS = 1000;

const isoDate = z.iso.datetime({ offset: true });

export const uploadRequestSchema = z
  .strictObject({
    batchType: idSchema,
    batchNumber: z.number().int().min(0).max(1_000_000_000),
    contentEncoding: z.literal('gzip').optional(),
    startedAt: isoDate.optional(),
    endedAt: isoDate.optional(),
  })
  .refine((b) => !b.startedAt || !b.endedAt || Date.parse(b.endedAt) >= Date.parse(b.startedAt), { message: 'endedAt is before startedAt', path: ['endedAt'] });
export type UploadRequest = z.infer<typeof uploadRequestSchema>;

const UPLOAD_KEY = /^uploads\/([^/]+)\/([^/]+)\/([^/]+)\.(\d+)\.([a-z0-9]+)\.ndjson(\.gz)?$/;

export const uploadKeyOf = (orgId: string, runId: string, batchType: string, batchNumber: number, nonce: string, gzip: boolean) =>
  `uploads/${orgId}/${runId}/${batchType}.${batchNumber}.${nonce}.ndjson${gzip ? '.gz' : ''}`;

export function parseUploadKey(key: string) {
  const match = UPLOAD_KEY.exec(key);
  if (!match) return undefined;
  const [, orgId, runId, batchType, number, , gz] = match;
  if (![orgId, runId, batchType].every((id) => isSafeId(id!))) return undefined;
  return { orgId: orgId!, runId: runId!, batchType: batchType!, batchNumber: Number(number), gzip: Boolean(gz) };
}

/** A batch as `GET /v1/runs/{runId}/batches` shows it. */
export function presentBatch(batch: BatchRecord, now: Date) {
  const state = batch.state === 'done' ? 'done' : batch.state === 'failed' ? 'failed' : 'pending';
  const phase =
    state !== 'pending'
      ? null
      : batch.source === 'upload' && batch.state === 'pending' && !batch.claimedAt
        ? Date.parse(batch.uploadExpiresAt ?? '') > now.getTime()
          ? 'awaiting_upload'
          : 'upload_url_expired'
        : batch.source === 'upload'
          ? 'converting'
          : 'writing';
  return {
    batchType: batch.batchType,
    batchNumber: batch.batchNumber,
    source: batch.source ?? 'inline',
    state,
    phase,
    received: batch.counts.received,
    succeeded: batch.counts.succeeded + batch.counts.partial,
    partialSuccess: batch.counts.partial,
    failed: batch.counts.failed,
    inProgress: (batch.counts.inFlight ?? 0) - (batch.counts.superseded ?? 0),
    superseded: batch.counts.superseded ?? 0,
    invalid: { null: batch.counts.null, duplicate: batch.counts.duplicate },
    error: batch.error ?? null,
    createdAt: batch.createdAt,
    doneAt: batch.doneAt ?? null,
    uploadExpiresAt: batch.uploadExpiresAt ?? null,
  };
}

/**
 * `POST /v1/runs/{runId}/uploads`: a pre-signed PUT for one batch as NDJSON (optionally
 * gzip). Asking again for a batch still pending or failed gives a fresh URL (the older
 * upload is then ignored); for a batch already counted it answers the result and no URL.
 */
export async function requestUpload(deps: Deps, principal: Principal, runId: string, request: UploadRequest) {
  const orgId = requireOrgKey(principal, 'ingest');
  const run = await loadLiveRun(deps, orgId, runId);
  const batchKey = batchKeyOf(request.batchType, request.batchNumber);
  const existing = await deps.runs.getBatch(orgId, runId, batchKey);
  if (existing?.state === 'done') return { created: false, body: { batchType: request.batchType, batchNumber: request.batchNumber, state: 'done', result: resultOf(existing) } };
  if (existing && existing.source !== 'upload') throw conflict(`batch ${batchKey} was posted inline; it cannot be uploaded`);
  if (run.status !== 'running') throw conflict(`run ${runId} is ${run.status}; it takes no more batches`, { status: run.status });
  let deadClaim: string | undefined;
  if (existing?.claimedAt && existing.state !== 'failed') {
    // A conversion is under way, or died: a live one is waited for; a dead one is rolled
    // forward when its file was written, else the batch takes a new upload.
    if (!writerIsDead(existing, deps.clock.now(), deps.config)) {
      throw conflict(`batch ${batchKey} is being converted; wait for it (GET /v1/runs/${runId}/batches)`, { until: existing.writeDeadline ?? null });
    }
    if (existing.state === 'writing' && existing.fileKey && (await deps.files.head(existing.fileKey))) {
      await settleBatches(deps, run, [existing]);
      const after = await deps.runs.getBatch(orgId, runId, batchKey);
      if (after?.state === 'done') return { created: false, body: { batchType: request.batchType, batchNumber: request.batchNumber, state: 'done', result: resultOf(after) } };
    }
    deadClaim = existing.claimedAt;
  }

  const now = deps.clock.now();
  const gzip = request.contentEncoding === 'gzip';
  const uploadKey = uploadKeyOf(orgId, runId, request.batchType, request.batchNumber, randomBytes(8).toString('hex'), gzip);
  const uploadExpiresAt = new Date(now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString();
  const batch: BatchRecord = {
    orgId,
    runId,
    batchKey,
    batchType: request.batchType,
    batchNumber: request.batchNumber,
    state: 'pending',
    source: 'upload',
    uploadKey,
    uploadExpiresAt,
    startedAt: request.startedAt ? new Date(request.startedAt).toISOString() : now.toISOString(),
    endedAt: request.endedAt ? new Date(request.endedAt).toISOString() : (request.startedAt ? new Date(request.startedAt).toISOString() : now.toISOString()),
    counts: emptyCounts(),
    entityCounts: {},
    createdAt: now.toISOString(),
    expiresAt: run.expiresAt,
  };
  if (!(await deps.runs.putUploadBatch(batch, deadClaim))) throw conflict(`batch ${batchKey} changed meanwhile; ask again`);
  const uploadUrl = await deps.files.presignUpload(uploadKey, UPLOAD_URL_SECONDS);
  return {
    created: true,
    body: {
      batchType: request.batchType,
      batchNumber: request.batchNumber,
      state: 'pending',
      uploadUrl,
      method: 'PUT',
      headers: { 'content-type': 'application/x-ndjson', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
      expiresAt: uploadExpiresAt,
    },
  };
}

export type ConversionOutcome = 'done' | 'failed' | 'stale';

/**
 * Converts one uploaded object into the batch's parquet file and counts, exactly like an
 * inline batch. It streams: lines are validated and classified one by one into a parquet
 * file written a row group at a time. Any invalid line fails the whole batch, reported by
 * line number, and nothing is written or counted. Safe to run again on the same object.
 */
export async function convertUpload(deps: Deps, uploadKey: string): Promise<ConversionOutcome> {
  const parsed = parseUploadKey(uploadKey);
  if (!parsed) return 'stale';
  const { orgId, runId, batchType, batchNumber } = parsed;
  const batchKey = batchKeyOf(batchType, batchNumber);
  const batch = await deps.runs.getBatch(orgId, runId, batchKey);
  // Only the newest upload of a batch counts; a batch already done stays as it is.
  if (!batch || batch.uploadKey !== uploadKey || batch.state === 'done' || batch.state === 'failed') return batch?.state === 'done' ? 'done' : 'stale';
  const now = deps.clock.now();
  const run = await deps.runs.get(orgId, runId);
  const fail = failer(deps, { orgId, runId, batchKey }, uploadKey);
  if (!run || isExpired(run, now)) return fail({ reason: `run ${runId} no longer exists`, badLines: [], invalidLines: 0 });
  if (run.status !== 'running') return fail({ reason: `run ${runId} was ${run.status} before this upload was converted`, badLines: [], invalidLines: 0 });
  // One conversion at a time: a live one has it (this is a duplicate event); a dead one is taken over.
  if (claimTime(batch) && !writerIsDead(batch, now, deps.config)) return 'stale';
  // Say a conversion is under way, and until when: if it dies, completion converts again.
  const claimedAt = now.toISOString();
  if (!(await deps.runs.markConversionStarted(orgId, runId, batchKey, uploadKey, batch.claimedAt, claimedAt, deadlineAfter(now, CONVERSION_DEADLINE_MS)))) {
    return (await deps.runs.getBatch(orgId, runId, batchKey))?.state === 'done' ? 'done' : 'stale';
  }
  try {
    return await convertClaimed(deps, run, { ...batch, claimedAt }, uploadKey);
  } catch (error) {
    // Failed rather than died: give the claim up, so the platform's retry takes it over at once.
    await deps.runs.expireClaim(orgId, runId, batchKey, claimedAt, deps.clock.now().toISOString()).catch(() => undefined);
    throw error;
  }
}

/** Marks this upload of a batch failed, with why (never a newer upload's). */
const failer =
  (deps: Deps, batch: Pick<BatchRecord, 'orgId' | 'runId' | 'batchKey'>, uploadKey: string) =>
  async (error: BatchError): Promise<ConversionOutcome> => {
    await deps.runs.failUpload(batch.orgId, batch.runId, batch.batchKey, uploadKey, error);
    return 'failed';
  };

/** A batch's classification, and how to write its file: from the native engine or the reference path. */
interface Converted {
  counts: Required<BatchCounts>;
  entityCounts: EntityCounts;
  payloadFields: FieldTypes;
  maxEventDate?: string;
  finalFailures: TrackingRow[];
  writeFile: (key: string) => Promise<number>;
  /** Removes what the conversion staged on local disk. */
  discard?: () => Promise<void>;
}

/** The conversion itself, under the claim `batch.claimedAt`. */
async function convertClaimed(deps: Deps, run: Run, batch: BatchRecord, uploadKey: string): Promise<ConversionOutcome> {
  const { orgId, runId, batchKey, batchType, batchNumber } = batch;
  const now = deps.clock.now();
  const fail = failer(deps, batch, uploadKey);
  const upload = await deps.files.downloadUpload(uploadKey);
  let discard: (() => Promise<void>) | undefined;
  try {
    // The identity of what is converted: the batch and the object's bytes (a retry converts the same).
    const contentHash = createHash('sha256').update(`${batchType}\n${batchNumber}\n${batch.startedAt}\n${batch.endedAt}\n`).update(upload.sha256).digest('hex');
    // Announced as gzip and not, or the other way round: say so, rather than a gunzip error on every retry.
    if (upload.gzip !== upload.looksGzipped) {
      return await fail({
        reason: upload.gzip
          ? 'the upload was announced as gzip (contentEncoding) but is not gzip-compressed; ask for a new URL without contentEncoding, or compress it'
          : 'the upload is gzip-compressed but was not announced so; ask for a new URL with "contentEncoding": "gzip"',
        badLines: [],
        invalidLines: 0,
      });
    }
    const converted = (deps.batchEngine && (await nativeConversion(deps, deps.batchEngine, run, batch, upload))) || (await referenceConversion(deps, run, batch, upload));
    if ('reason' in converted) return await fail(converted);
    discard = converted.discard;

    const fileKey = run.dryRun ? undefined : trackingFileKey(orgId, run.syncId, runId, batchType, batchNumber);
    const fields = boundedFields(converted.payloadFields);
    const claim = {
      contentHash,
      counts: converted.counts,
      entityCounts: converted.entityCounts,
      ...(converted.maxEventDate ? { maxEventDate: converted.maxEventDate } : {}),
      ...(fileKey ? { fileKey } : {}),
      conversionStartedAt: now.toISOString(),
      payloadFields: fields.fields,
      ...(fields.truncated ? { payloadFieldsTruncated: true } : {}),
      finalFailures: converted.finalFailures.length,
      claimedAt: batch.claimedAt!,
      // The file and the count are left: a fresh deadline for them.
      writeDeadline: deadlineAfter(deps.clock.now(), CONVERSION_DEADLINE_MS),
    };
    // A dead writer's claim of other content (the object replaced through its URL, or a hash of an
    // older SyncTrail's) is taken over only when it wrote no file; one that did is rolled forward by
    // completion, with the counts its file was written from.
    const replacing =
      batch.state === 'writing' && batch.contentHash && batch.contentHash !== contentHash && !(fileKey && (await deps.files.head(fileKey))) ? batch.contentHash : undefined;
    const began = await deps.runs.beginConversion(orgId, runId, batchKey, uploadKey, claim, replacing);
    if (!began) return (await deps.runs.getBatch(orgId, runId, batchKey))?.state === 'done' ? 'done' : 'stale';
    try {
      await commitBatch(deps, run, { ...batch, ...claim, state: 'writing' }, {
        payloadFields: converted.payloadFields,
        writeFile: converted.writeFile,
        dlqItems: async () => dlqItemsOf(converted.finalFailures, run, batch.createdAt),
      });
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'conflict')) throw error;
      // Refused: the run completed meanwhile (the claim was taken back), or the conversion ran
      // out of time. Say so on this upload's batch, never on a newer upload's.
      const reason = { reason: error.message, badLines: [], invalidLines: 0 };
      const current = await deps.runs.getBatch(orgId, runId, batchKey);
      if (!current) await deps.runs.claimBatch({ ...batch, state: 'failed', error: reason });
      else await deps.runs.failUpload(orgId, runId, batchKey, uploadKey, reason);
      return 'failed';
    }
    return 'done';
  } finally {
    await discard?.();
    await upload.discard();
  }
}

/**
 * The native engine's conversion (DuckDB), or undefined when the batch is the reference path's
 * to convert: the engine declined it (it cannot vouch for something in it, or it failed), and
 * the reference path converts it or names its bad lines.
 */
async function nativeConversion(deps: Deps, engine: BatchEngine, run: Run, batch: BatchRecord, upload: DownloadedUpload): Promise<Converted | undefined> {
  const output = run.dryRun ? undefined : { file: upload.scratch('batch.parquet'), index: upload.scratch('index.parquet') };
  const found = await engine.convert({
    source: upload.path,
    gzip: upload.gzip,
    ...(output ? { output } : {}),
    batch: { batchType: batch.batchType, batchNumber: batch.batchNumber, startedAt: batch.startedAt!, endedAt: batch.endedAt! },
    run,
    reference: (line) => {
      const problem = lineProblem(line);
      return typeof problem === 'string' ? undefined : { payload: problem.record.payload };
    },
  });
  if ('declined' in found) return undefined;
  return { ...found, writeFile: (key) => deps.files.putBatchFile(key, output!.file, output!.index) };
}

/**
 * The reference conversion: lines are validated (zod) and classified one by one into a
 * parquet file written a row group at a time. Any invalid line fails the whole batch,
 * reported by line number.
 */
async function referenceConversion(deps: Deps, run: Run, batch: BatchRecord, upload: DownloadedUpload): Promise<Converted | BatchError> {
  const classifier = new BatchClassifier({ batchType: batch.batchType, batchNumber: batch.batchNumber, startedAt: batch.startedAt!, endedAt: batch.endedAt! }, run);
  const staged = run.dryRun ? undefined : await deps.files.stageRows();
  const finalFailures: TrackingRow[] = [];
  const badLines: BatchError['badLines'] = [];
  let invalid = 0;
  let line = 0;
  let records = 0;
  let rows = 0;
  let done = false;
  try {
    for await (const text of upload.lines(MAX_LINE_BYTES)) {
      line += 1;
      if (text.trim() === '') continue;
      records += 1;
      if (records > MAX_LINES_PER_UPLOAD) return { reason: `an upload may hold at most ${MAX_LINES_PER_UPLOAD} lines (records)`, badLines, invalidLines: invalid };
      const problem = lineProblem(text);
      if (typeof problem === 'string') {
        invalid += 1;
        // Messages are cut: twenty of them stay far under the item limit whatever a line holds.
        if (badLines.length < BAD_LINES_REPORTED) badLines.push({ line, message: problem.length > MAX_MESSAGE_CHARS ? `${problem.slice(0, MAX_MESSAGE_CHARS)}…` : problem });
        continue;
      }
      if (invalid > 0) continue; // still validating, to report every bad line; nothing more is written
      const row = classifier.add(problem.record, rows);
      rows += 1;
      await staged?.push(row);
      if (row.is_final && outcomeOf(row.status as RecordStatus) === 'failed') finalFailures.push(row);
    }
    if (invalid > 0) return { reason: `${invalid} invalid line${invalid === 1 ? '' : 's'}; nothing of this batch was recorded`, badLines, invalidLines: invalid };
    if (rows === 0) return { reason: 'the upload holds no records', badLines: [], invalidLines: 0 };
    const entityTypes = new Set(Object.keys(classifier.entityCounts).map((k) => k.slice(0, k.lastIndexOf('|'))));
    if (entityTypes.size > MAX_ENTITY_TYPES_PER_BATCH) return { reason: `a batch may hold at most ${MAX_ENTITY_TYPES_PER_BATCH} distinct entity types`, badLines: [], invalidLines: 0 };
    const summary = classifier.summary();
    done = true;
    return {
      ...summary,
      counts: classifier.counts,
      finalFailures,
      writeFile: (key) => staged!.commit(key, summary.payloadFields),
      ...(staged ? { discard: () => staged.discard() } : {}),
    };
  } finally {
    if (!done) await staged?.discard();
  }
}

/** What is wrong with one NDJSON line, or the record it holds (the contract, zod). */
export function lineProblem(text: string): string | { record: z.output<typeof batchRecordSchema> } {
  if (Buffer.byteLength(text) > MAX_LINE_BYTES) return `line is longer than ${MAX_LINE_BYTES} bytes`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `not valid JSON: ${(error as Error).message}`;
  }
  const result = batchRecordSchema.safeParse(json, { error: requiredWhenMissing });
  if (!result.success) return result.error.issues.map((i) => describeIssue(i, 'record')).join('; ');
  return { record: result.data };
}

/** `GET /v1/runs/{runId}/batches`: every batch with its state. */
export async function listRunBatches(deps: Deps, principal: Principal, runId: string) {
  const orgId = requireOrgKey(principal, 'read');
  await loadLiveRun(deps, orgId, runId);
  const now = deps.clock.now();
  const batches = await deps.runs.listBatches(orgId, runId);
  return {
    items: batches
      .sort((a, b) => a.batchType.localeCompare(b.batchType) || a.batchNumber - b.batchNumber)
      .map((b) => presentBatch(b, now)),
  };
}
