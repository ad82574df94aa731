import { gzipSync } from 'node:zlib';
import type { BatchRecordInput, BatchResult } from '#domain/batch.ts';

/** A record as a producer reports it (the shape of API.md's batch records). */
export type ProducerRecord = Omit<BatchRecordInput, 'payload'> & { payload?: Record<string, unknown> };

export interface PushOptions {
  baseUrl: string;
  /** A key with the `ingest` scope (and `read`, to follow uploads). */
  key: string;
  runId: string;
  batchType?: string;
  firstBatchNumber?: number;
  /** Records per batch (seed 001: the engine works in batches of 10–100k). */
  batchSize?: number;
  /** Bodies up to this size are posted inline; larger batches go through an upload. */
  inlineMaxBytes?: number;
  /** Batches in flight at once. */
  concurrency?: number;
  retries?: number;
  /** Upload conversion is followed until done; give up after this long. */
  uploadTimeoutMs?: number;
  onProgress?: (progress: PushProgress) => void;
  fetch?: typeof fetch;
}

export interface PushProgress {
  batches: number;
  records: number;
  bytes: number;
  uploads: number;
}

export interface PushResult extends PushProgress {
  received: number;
  succeeded: number;
  failed: number;
}

/** The inline limit is 5 MiB; a little under it leaves room for the request's own overhead. */
export const DEFAULT_INLINE_MAX_BYTES = 4.5 * 1024 * 1024;

export class PushError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'PushError';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const retryable = (status: number) => status === 429 || status >= 500;

/**
 * Sends a run's records to SyncTrail: batches them, posts each inline or through a
 * pre-signed upload depending on its size, retries throttling, server errors and network
 * failures with exponential backoff and jitter (SyncTrail answers a repeated batch the same,
 * so retrying is always safe), and reports progress after every batch.
 */
export async function pushRecords(records: Iterable<ProducerRecord> | AsyncIterable<ProducerRecord>, options: PushOptions): Promise<PushResult> {
  const fetchImpl = options.fetch ?? fetch;
  const batchSize = options.batchSize ?? 10_000;
  const concurrency = options.concurrency ?? 2;
  const batchType = options.batchType ?? 'records_updated';
  const totals: PushResult = { batches: 0, records: 0, bytes: 0, uploads: 0, received: 0, succeeded: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let batchNumber = options.firstBatchNumber ?? 0;

  const call = async (method: string, path: string, body?: unknown, attempt = 0): Promise<any> => {
    try {
      const response = await fetchImpl(`${options.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${options.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      const parsed = text ? JSON.parse(text) : undefined;
      if (response.ok) return parsed;
      if (retryable(response.status) && attempt < (options.retries ?? 5)) {
        await sleep(backoff(attempt));
        return call(method, path, body, attempt + 1);
      }
      throw new PushError(`${method} ${path}: ${response.status} ${parsed?.error?.message ?? text}`, response.status, parsed);
    } catch (error) {
      if (error instanceof PushError || attempt >= (options.retries ?? 5)) throw error;
      await sleep(backoff(attempt));
      return call(method, path, body, attempt + 1);
    }
  };

  const send = async (batch: ProducerRecord[], number: number, startedAt: string) => {
    const endedAt = new Date().toISOString();
    const body = JSON.stringify({ batchType, batchNumber: number, startedAt, endedAt, records: batch });
    let result: BatchResult;
    if (Buffer.byteLength(body) <= (options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES)) {
      result = await call('POST', `/v1/runs/${options.runId}/batches`, body);
      totals.bytes += Buffer.byteLength(body);
    } else {
      result = await upload(batch, number, startedAt, endedAt);
    }
    totals.batches += 1;
    totals.records += batch.length;
    totals.received += result.received;
    totals.succeeded += result.succeeded;
    totals.failed += result.failed;
    options.onProgress?.({ batches: totals.batches, records: totals.records, bytes: totals.bytes, uploads: totals.uploads });
  };

  const upload = async (batch: ProducerRecord[], number: number, startedAt: string, endedAt: string): Promise<BatchResult> => {
    const ticket = await call('POST', `/v1/runs/${options.runId}/uploads`, { batchType, batchNumber: number, contentEncoding: 'gzip', startedAt, endedAt });
    if (ticket.state === 'done') return ticket.result;
    const payload = gzipSync(batch.map((r) => JSON.stringify(r)).join('\n') + '\n');
    for (let attempt = 0; ; attempt += 1) {
      const put = await fetchImpl(ticket.uploadUrl, { method: 'PUT', body: payload, headers: ticket.headers }).catch(() => undefined);
      if (put?.ok) break;
      if (attempt >= (options.retries ?? 5)) throw new PushError(`upload of batch ${number} failed: ${put?.status ?? 'network error'}`);
      await sleep(backoff(attempt));
    }
    totals.uploads += 1;
    totals.bytes += payload.length;
    const deadline = Date.now() + (options.uploadTimeoutMs ?? 15 * 60_000);
    for (let poll = 0; Date.now() < deadline; poll += 1) {
      const { items } = await call('GET', `/v1/runs/${options.runId}/batches`);
      const state = items.find((b: any) => b.batchType === batchType && b.batchNumber === number);
      if (state?.state === 'done') return { batchType, batchNumber: number, received: state.received, succeeded: state.succeeded, partialSuccess: 0, failed: state.failed, invalid: state.invalid };
      if (state?.state === 'failed') throw new PushError(`upload of batch ${number} failed: ${state.error?.reason}`, 400, state.error);
      await sleep(Math.min(2000, 100 * 2 ** Math.min(poll, 5)));
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

/** 200 ms, 400 ms, 800 ms … up to 10 s, with full jitter. */
function backoff(attempt: number): number {
  return Math.random() * Math.min(10_000, 200 * 2 ** attempt);
}
