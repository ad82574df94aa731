import { gzipSync } from 'node:zlib';
import type { BatchRecordInput } from '#domain/batch.ts';
import { ApiError, SyncTrailClient, type ApiAnswers } from './api-client.ts';

/** A record as a producer reports it (the shape of a batch's records in `POST /v1/runs/{runId}/batches`). */
export type ProducerRecord = Omit<BatchRecordInput, 'payload'> & { payload?: Record<string, unknown> };

export interface PushOptions {
  baseUrl: string;
  /** A key with the `ingest` scope (and `read`, to follow uploads). */
  key: string;
  runId: string;
  batchType?: string;
  firstBatchNumber?: number;
  /** Records per batch (Sync Tracking: engines work in batches of 10–100k). */
  batchSize?: number;
  /** Bodies up to this size are posted inline; larger batches go through an upload. */
  inlineMaxBytes?: number;
  /** Batches in flight at once. */
  concurrency?: number;
  /** Attempts after the first for each request, under the client's one retry policy (`retryDelayMs`: `Retry-After`, else backoff with jitter). */
  retries?: number;
  /** Upload conversion is followed until done; give up after this long. */
  uploadTimeoutMs?: number;
  /**
   * Resuming a push into a run that already has batches (needs the `read` scope): the run's
   * batches are read first; those already counted are not sent again (their record counts
   * must match the records at hand), and uploads still converting are followed, not re-sent.
   */
  resume?: boolean;
  onProgress?: (progress: PushProgress) => void;
  fetch?: typeof fetch;
  /** How to wait between attempts (tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
}

export interface PushProgress {
  /** Batches done, including those skipped because the run had already counted them. */
  batches: number;
  records: number;
  bytes: number;
  uploads: number;
  /** Batches the run had already counted (resume), not sent again. */
  skipped: number;
}

export interface PushResult extends PushProgress {
  received: number;
  succeeded: number;
  failed: number;
}

/** A batch as `GET /v1/runs/{runId}/batches` lists it. */
type RunBatch = ApiAnswers['query/list-batches']['items'][number];
/** What a batch counted. */
type BatchResult = ApiAnswers['ingest/post-batch'];

/** The inline limit is 5 MiB; a little under it leaves room for the request's own overhead. */
export const DEFAULT_INLINE_MAX_BYTES = 4.5 * 1024 * 1024;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What stops a push: an API error (with the route it came from in the message), or a batch the run counted otherwise. */
export class PushError extends ApiError {
  constructor(message: string, status = 0, details: unknown = null, code = 'push_error') {
    super(status, code, message, details);
    this.name = 'PushError';
  }
}

/**
 * Sends a run's records to SyncTrail: batches them, posts each inline or through a
 * pre-signed upload depending on its size, and reports progress after every batch. Every
 * request goes through `SyncTrailClient` and its one retry policy (throttling, server errors
 * and network failures; `Retry-After` honoured): SyncTrail answers a repeated batch the same,
 * so retrying is always safe.
 */
export async function pushRecords(records: Iterable<ProducerRecord> | AsyncIterable<ProducerRecord>, options: PushOptions): Promise<PushResult> {
  const wait = options.sleep ?? sleep;
  const batchSize = options.batchSize ?? 10_000;
  const concurrency = options.concurrency ?? 2;
  const batchType = options.batchType ?? 'records_updated';
  const totals: PushResult = { batches: 0, records: 0, bytes: 0, uploads: 0, skipped: 0, received: 0, succeeded: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let batchNumber = options.firstBatchNumber ?? 0;

  const client = new SyncTrailClient({ baseUrl: options.baseUrl, key: options.key, retries: options.retries ?? 5, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.sleep ? { sleep: options.sleep } : {}) });
  const params = { runId: options.runId };
  /** An API call whose error names the request it came from. */
  const api = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      if (error instanceof ApiError && !(error instanceof PushError)) throw new PushError(`${what}: ${error.status} ${error.message}`, error.status, error.details, error.code);
      throw error;
    }
  };
  const listBatches = () => api(`GET /v1/runs/${options.runId}/batches`, () => client.call('query/list-batches', { params }));

  /** What the run already has of each batch of this type, when resuming. */
  let known = new Map<number, RunBatch>();

  const tally = (batch: ProducerRecord[], result: Pick<BatchResult, 'received' | 'succeeded' | 'failed'>) => {
    totals.batches += 1;
    totals.records += batch.length;
    totals.received += result.received;
    totals.succeeded += result.succeeded;
    totals.failed += result.failed;
    options.onProgress?.({ batches: totals.batches, records: totals.records, bytes: totals.bytes, uploads: totals.uploads, skipped: totals.skipped });
  };

  const send = async (batch: ProducerRecord[], number: number, startedAt: string) => {
    const before = known.get(number);
    // Counted by an earlier push: the same records must be at hand, else this is another file.
    const sameSize = (counted: Pick<RunBatch, 'received'>) => {
      if (counted.received === batch.length) return;
      throw new PushError(
        `batch ${batchType}.${number} was already counted with ${counted.received} records, but this push has ${batch.length} for it: resume with the same records, batch size and batch type`,
        409,
        counted,
      );
    };
    if (before?.state === 'done') {
      sameSize(before);
      totals.skipped += 1;
      return tally(batch, before);
    }
    // A batch carries when it was read and sent. Resent after a stop, it carries new times:
    // the server keeps the first post's, so it is still the same batch.
    const endedAt = new Date().toISOString();
    const body = JSON.stringify({ batchType, batchNumber: number, startedAt, endedAt, records: batch });
    let result: BatchResult;
    if (before?.source === 'upload' && before.phase === 'converting') {
      // An upload of an earlier push is being converted: asking again would be refused.
      result = await follow(number);
      sameSize(result);
    } else if (Buffer.byteLength(body) <= (options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES)) {
      result = await api(`POST /v1/runs/${options.runId}/batches`, () => client.callWithJson('ingest/post-batch', { params }, body));
      totals.bytes += Buffer.byteLength(body);
    } else {
      result = await upload(batch, number, startedAt, endedAt);
    }
    tally(batch, result);
  };

  const upload = async (batch: ProducerRecord[], number: number, startedAt: string, endedAt: string): Promise<BatchResult> => {
    let ticket: ApiAnswers['ingest/request-upload'];
    try {
      ticket = await api(`POST /v1/runs/${options.runId}/uploads`, () =>
        client.call('ingest/request-upload', { params, body: { batchType, batchNumber: number, contentEncoding: 'gzip', startedAt, endedAt } }),
      );
    } catch (error) {
      // 409 for an upload of this batch still converting (from an earlier push): follow it.
      if (!(error instanceof PushError && error.status === 409)) throw error;
      const state = await batchState(number).catch(() => undefined);
      if (state?.source === 'upload' && (state.state === 'done' || state.phase === 'converting')) return follow(number);
      throw error;
    }
    if ('result' in ticket) return ticket.result;
    const payload = gzipSync(batch.map((r) => JSON.stringify(r)).join('\n') + '\n');
    // The pre-signed PUT goes to the bucket, under the same retry policy as the API.
    const put = await client.fetchRetrying(ticket.uploadUrl, { method: 'PUT', body: payload, headers: ticket.headers }).catch((error: unknown) => {
      throw new PushError(`upload of batch ${number} failed: ${(error as Error).message}`);
    });
    await put.body?.cancel().catch(() => undefined);
    if (!put.ok) throw new PushError(`upload of batch ${number} failed: ${put.status}`, put.status);
    totals.uploads += 1;
    totals.bytes += payload.length;
    return follow(number);
  };

  const batchState = async (number: number): Promise<RunBatch | undefined> => {
    const { items } = await listBatches();
    return items.find((b) => b.batchType === batchType && b.batchNumber === number);
  };

  /** Waits for an upload of batch `number` to be converted. */
  const follow = async (number: number): Promise<BatchResult> => {
    const deadline = Date.now() + (options.uploadTimeoutMs ?? 15 * 60_000);
    for (let poll = 0; Date.now() < deadline; poll += 1) {
      const state = await batchState(number);
      if (state?.state === 'done') return { batchType, batchNumber: number, received: state.received, succeeded: state.succeeded, partialSuccess: state.partialSuccess, failed: state.failed, inProgress: state.inProgress, superseded: state.superseded, invalid: state.invalid };
      if (state?.state === 'failed') throw new PushError(`upload of batch ${number} failed: ${state.error?.reason}`, 400, state.error);
      await wait(Math.min(2000, 100 * 2 ** Math.min(poll, 5)));
    }
    throw new PushError(`upload of batch ${number} was not converted in time`);
  };

  const dispatch = async (batch: ProducerRecord[], startedAt: string) => {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failure) throw failure;
    const task: Promise<void> = send(batch, batchNumber++, startedAt).catch((error: unknown) => {
      failure ??= error;
    });
    const tracked = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  if (options.resume) {
    const { items } = await listBatches();
    known = new Map(items.filter((b) => b.batchType === batchType).map((b) => [b.batchNumber, b]));
  }

  let current: ProducerRecord[] = [];
  let startedAt = new Date().toISOString();
  for await (const record of records) {
    current.push(record);
    if (current.length >= batchSize) {
      await dispatch(current, startedAt);
      current = [];
      startedAt = new Date().toISOString();
    }
  }
  if (current.length) await dispatch(current, startedAt);
  await Promise.all(inFlight);
  if (failure) throw failure;
  return totals;
}
