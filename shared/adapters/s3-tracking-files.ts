import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import type { DownloadedUpload, RunDigestReader, StagedRows, TrackingFiles } from '#domain/ports.ts';
import { syncLogManifestKey, type TrackingRow } from '#domain/tracking-row.ts';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DECOMPRESSORS, payloadSchemaOf } from './parquet.ts';
import type { ParquetWriters } from './parquet-writers.ts';
import type { FieldTypes } from '#domain/payload.ts';
import { FACT_COLUMNS, factFileKey, factManifestKey, type FactTableName, type FactTables } from '#domain/fact-tables.ts';
import { identifierIndexKeyOf } from '#domain/identifier-index.ts';
import { indexedRowNumbers, type OpenedIndex } from './identifier-index.ts';
import { openDigest } from './run-digest.ts';

/** Bytes of recently read batch files kept per container: enough for a 1M-record run. */
const CACHE_BYTES = 96 * 1024 * 1024;
/** Files whose ranges are cached for lookups; each holds little (footer, a few pages). */
const MAX_RANGED_FILES = 2000;
const FOOTER_FETCH_BYTES = 64 * 1024;
/** Row groups of the footers kept parsed (~20 KB each as objects): a few 1M-record runs. */
const MAX_CACHED_ROW_GROUPS = 2000;
/**
 * The first read of an identifier index, from its start (its size is not known yet; S3 says it
 * in Content-Range): a 10k-row batch's whole index (~80 KiB), a larger one's first row groups.
 */
const INDEX_FIRST_READ_BYTES = 128 * 1024;
/**
 * Indexes kept open per container, each holding at most INDEX_HELD_BYTES of what it read (a 10k
 * batch's whole index is ~85 KB): ~40 MB at most, a few runs of a hundred batches.
 */
const MAX_OPEN_INDEXES = 256;
const INDEX_HELD_BYTES = 1024 * 1024;
/** A batch file's row group up to this size is read whole (one request) to answer a lookup; a larger one page by page through its offset index. */
const WHOLE_ROW_GROUP_BYTES = 1024 * 1024;
/** The first read of a run digest, from its start (its size comes with it): a small run's whole digest. */
const DIGEST_FIRST_READ_BYTES = 256 * 1024;
/** What an opened digest keeps of what it read: a merge needs one row group (~200 KB) at a time. */
const DIGEST_HELD_BYTES = 2 * 1024 * 1024;

/**
 * A batch file never changes once written (a retried batch rewrites the same bytes), so
 * its bytes can be cached by key for as long as the container lives.
 */
class FileCache {
  private readonly entries = new Map<string, ArrayBuffer>();
  private size = 0;

  get(key: string): ArrayBuffer | undefined {
    const value = this.entries.get(key);
    if (value) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: ArrayBuffer): void {
    if (value.byteLength > CACHE_BYTES) return;
    this.delete(key);
    this.entries.set(key, value);
    this.size += value.byteLength;
    for (const [oldest, buffer] of this.entries) {
      if (this.size <= CACHE_BYTES) break;
      this.entries.delete(oldest);
      this.size -= buffer.byteLength;
    }
  }

  delete(key: string): void {
    const value = this.entries.get(key);
    if (!value) return;
    this.entries.delete(key);
    this.size -= value.byteLength;
  }
}

/** Parsed footers by key, bounded by their row groups (a 1M-row file of ours has 100). */
class FooterCache {
  private readonly entries = new Map<string, FileMetaData>();
  private groups = 0;

  get(key: string): FileMetaData | undefined {
    return this.entries.get(key);
  }

  set(key: string, metadata: FileMetaData): void {
    this.delete(key);
    this.entries.set(key, metadata);
    this.groups += metadata.row_groups.length;
    for (const oldest of this.entries.keys()) {
      if (this.groups <= MAX_CACHED_ROW_GROUPS || oldest === key) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const value = this.entries.get(key);
    if (!value) return;
    this.entries.delete(key);
    this.groups -= value.row_groups.length;
  }
}

export class S3TrackingFiles implements TrackingFiles {
  private readonly cache = new FileCache();
  /** Files read by ranges (lookups): their fetched ranges stay cached with them. */
  private readonly ranged = new Map<string, AsyncBuffer>();
  /** Parsed footers of batch files read by lookups (a 100-row-group footer takes ~20 ms to parse). */
  private readonly footers = new FooterCache();
  /** Identifier indexes opened for lookups (footer and fetched ranges), or null: the file has none (written before indexes). */
  private readonly indexes = new Map<string, OpenedIndex | null>();

  /** `writers`: only where the function writes tracking files (`parquet-writers.ts`); without them writing throws. */
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly writers?: ParquetWriters,
  ) {}

  private get write(): ParquetWriters {
    if (!this.writers) throw new Error('this function writes no tracking files (it was given no parquet writers)');
    return this.writers;
  }

  async writeRows(key: string, rows: TrackingRow[], payloadSchema: FieldTypes): Promise<number> {
    const body = this.write.encodeTrackingRows(rows, payloadSchema);
    await this.writeIndex(key, this.write.buildIdentifierIndex(rows));
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/vnd.apache.parquet' }));
    this.ranged.delete(key);
    this.footers.delete(key);
    return body.byteLength;
  }

  async head(key: string): Promise<{ bytes: number; modifiedAt: string } | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { bytes: head.ContentLength ?? 0, modifiedAt: (head.LastModified ?? new Date(0)).toISOString() };
    } catch (error) {
      // 404 needs s3:ListBucket on the prefix (without it S3 answers 403 for a missing key).
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404 || (error as Error).name === 'NotFound') return undefined;
      throw error;
    }
  }

  async readPayloadSchema(key: string): Promise<FieldTypes> {
    const file = this.cache.get(key) ?? (await this.rangedFile(key));
    return payloadSchemaOf(await parquetMetadataAsync(file, { initialFetchSize: FOOTER_FETCH_BYTES }));
  }

  /**
   * A batch file's identifier index, put before the file itself: a crash between the two leaves
   * an index without a file, which the retry rewrites with the same bytes (the file's existence
   * is what counts).
   */
  private async writeIndex(fileKey: string, body: Uint8Array): Promise<void> {
    const key = identifierIndexKeyOf(fileKey);
    if (!key) return;
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/vnd.apache.parquet' }));
    this.indexes.delete(key);
  }

  async findRows(key: string, identifier: string, bytes?: number): Promise<TrackingRow[]> {
    const indexKey = identifierIndexKeyOf(key);
    if (indexKey) {
      // The batch file's footer is read once the index names rows — or right away, beside the
      // index's own reads, when the index is large (so is the file: the lookup is one read shorter).
      let footer: Promise<BatchFooter> | undefined;
      const batchFooter = () => {
        if (!footer) {
          footer = this.batchFooter(key, bytes);
          footer.catch(() => undefined); // awaited below if needed; a miss may never ask
        }
        return footer;
      };
      const index = await this.openIndex(indexKey, batchFooter);
      if (index) {
        const rowNumbers = await indexedRowNumbers(index, identifier);
        if (rowNumbers.length === 0) return [];
        return this.readIndexedRows(await batchFooter(), rowNumbers, identifier);
      }
    }
    return this.findRowsByBloomFilters(key, identifier, bytes);
  }

  private async batchFooter(key: string, bytes?: number): Promise<BatchFooter> {
    const file = this.cache.get(key) ?? (await this.rangedFile(key, bytes));
    const known = this.footers.get(key);
    if (known) return { file, metadata: known };
    const metadata = await parquetMetadataAsync(file, { initialFetchSize: footerFetchBytes(file.byteLength) });
    this.footers.set(key, metadata);
    return { file, metadata };
  }

  /** The rows an index named, read from the batch file; those whose identifier is exactly the one asked (hashes can collide). */
  private async readIndexedRows({ file, metadata }: BatchFooter, rowNumbers: number[], identifier: string): Promise<TrackingRow[]> {
    // The row groups of the batch file, from its own footer (a DuckDB file's are not ours).
    const groups: Array<{ start: number; end: number; data: Span; offsetIndex: Span }> = [];
    let start = 0;
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows);
      const data = emptySpan();
      const offsetIndex = emptySpan();
      for (const column of group.columns) {
        const meta = column.meta_data;
        if (meta) widen(data, Number(meta.dictionary_page_offset ?? meta.data_page_offset), Number(meta.total_compressed_size));
        if (column.offset_index_offset !== undefined && column.offset_index_length) widen(offsetIndex, Number(column.offset_index_offset), column.offset_index_length);
      }
      groups.push({ start, end, data, offsetIndex });
      start = end;
    }
    const wanted = groups.filter((g) => rowNumbers.some((r) => r >= g.start && r < g.end));
    // Each row group's offset index (the columns' ones sit together: one read) finds the rows'
    // pages; a small row group's data is one read too, a large one's is read page by page.
    if (file instanceof RangeReader) {
      await Promise.all(
        wanted.flatMap((g) => [
          file.prefetch(g.offsetIndex.from, g.offsetIndex.to),
          ...(g.data.to - g.data.from <= WHOLE_ROW_GROUP_BYTES ? [file.prefetch(g.data.from, g.data.to)] : []),
        ]),
      );
    }
    const rows: TrackingRow[] = [];
    for (const row of rowNumbers) {
      const found = (await parquetReadObjects({ file, metadata, rowStart: row, rowEnd: row + 1, useOffsetIndex: true, compressors: DECOMPRESSORS })) as TrackingRow[];
      for (const candidate of found) if (candidate.identifier === identifier) rows.push(candidate);
    }
    return rows;
  }

  /**
   * The index of a batch file, opened (footer read) once per container; null when there is none.
   * Explicit ranges only (local S3 answers suffix ranges wrongly): the first read, from the
   * start, tells the size.
   */
  private async openIndex(indexKey: string, whenLarge: () => void): Promise<OpenedIndex | null> {
    const known = this.indexes.get(indexKey);
    if (known !== undefined) {
      if (known && known.file.byteLength > INDEX_FIRST_READ_BYTES) whenLarge();
      return known;
    }
    const fetchRange = async (start: number, end: number) => {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: indexKey, Range: `bytes=${start}-${end - 1}` }));
      const array = await object.Body!.transformToByteArray();
      return { bytes: array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength) as ArrayBuffer, range: object.ContentRange };
    };
    let first: Awaited<ReturnType<typeof fetchRange>>;
    try {
      first = await fetchRange(0, INDEX_FIRST_READ_BYTES);
    } catch (error) {
      if (!isMissing(error)) throw error;
      this.remember(indexKey, null);
      return null;
    }
    const total = Number(/\/(\d+)$/.exec(first.range ?? '')?.[1] ?? first.bytes.byteLength);
    if (total > first.bytes.byteLength) whenLarge();
    const file = new RangeReader(total, async (start, end) => (await fetchRange(start, end)).bytes, INDEX_HELD_BYTES);
    file.keep(0, first.bytes);
    const opened = { file, metadata: await parquetMetadataAsync(file, { initialFetchSize: FOOTER_FETCH_BYTES }) };
    this.remember(indexKey, opened);
    return opened;
  }

  private remember(indexKey: string, index: OpenedIndex | null): void {
    this.indexes.set(indexKey, index);
    if (this.indexes.size > MAX_OPEN_INDEXES) this.indexes.delete(this.indexes.keys().next().value!);
  }

  /** Files written before identifier indexes: bloom filters skip row groups, the page index finds the rows' pages. */
  private async findRowsByBloomFilters(key: string, identifier: string, bytes?: number): Promise<TrackingRow[]> {
    // The footer is a few KiB per row group: a first read sized to the file, not hyparquet's 512 KiB.
    const { file, metadata } = await this.batchFooter(key, bytes);
    // Page indexes and bloom filters sit together between the last data page and the footer:
    // one read fetches them all, instead of one read per row group.
    if (file instanceof RangeReader) await file.prefetch(dataEnd(metadata), file.byteLength);
    // Two steps: find the rows by their identifier (bloom filters skip whole row groups),
    // then read just those rows (the offset index finds their pages).
    const hits = (await parquetReadObjects({ file, metadata, columns: ['row_number'], filter: { identifier: { $eq: identifier } }, useBloomFilters: true, compressors: DECOMPRESSORS })) as Array<{
      row_number: number;
    }>;
    const rows: TrackingRow[] = [];
    for (const { row_number } of hits) {
      rows.push(...((await parquetReadObjects({ file, metadata, rowStart: row_number, rowEnd: row_number + 1, compressors: DECOMPRESSORS })) as TrackingRow[]));
    }
    return rows;
  }

  /** A file read by byte ranges, each range fetched once per container. */
  private async rangedFile(key: string, bytes?: number): Promise<AsyncBuffer> {
    const known = this.ranged.get(key);
    if (known) return known;
    const byteLength = bytes ?? (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))).ContentLength!;
    const file = new RangeReader(byteLength, async (start, end) => {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }));
      const array = await object.Body!.transformToByteArray();
      return array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength) as ArrayBuffer;
    });
    this.ranged.set(key, file);
    if (this.ranged.size > MAX_RANGED_FILES) this.ranged.delete(this.ranged.keys().next().value!);
    return file;
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: `${JSON.stringify(value, null, 2)}\n`,
        ContentType: 'application/json',
      }),
    );
  }

  async writeManifest(fileKey: string, options: { ifMissing?: boolean } = {}): Promise<void> {
    // Rolled forward later, a batch keeps the manifest it has: a rewrite would restart its expiry
    // clock and let it outlive the file it names.
    if (options.ifMissing && (await this.head(syncLogManifestKey(fileKey)))) return;
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: syncLogManifestKey(fileKey), Body: `s3://${this.bucket}/${fileKey}\n`, ContentType: 'text/plain' }),
    );
  }

  async writeRunDigest(key: string, identifiers: readonly string[], payloadHashes: BigInt64Array): Promise<void> {
    const body = this.write.encodeRunDigest(identifiers, payloadHashes);
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/vnd.apache.parquet' }));
  }

  /** Explicit ranges only (local S3 answers suffix ranges wrongly): the first read, from the start, tells the size. */
  async openRunDigest(key: string): Promise<RunDigestReader | undefined> {
    const fetchRange = async (start: number, end: number) => {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }));
      const array = await object.Body!.transformToByteArray();
      return { bytes: array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength) as ArrayBuffer, range: object.ContentRange };
    };
    let first: Awaited<ReturnType<typeof fetchRange>>;
    try {
      first = await fetchRange(0, DIGEST_FIRST_READ_BYTES);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const total = Number(/\/(\d+)$/.exec(first.range ?? '')?.[1] ?? first.bytes.byteLength);
    const file = new RangeReader(total, async (start, end) => (await fetchRange(start, end)).bytes, DIGEST_HELD_BYTES);
    file.keep(0, first.bytes);
    return openDigest(file);
  }

  async writeFactTable<T extends FactTableName>(orgId: string, table: T, rows: FactTables[T]): Promise<void> {
    const key = factFileKey(orgId, table);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: this.write.encodeStringTable(FACT_COLUMNS[table] as readonly string[], rows as unknown as Array<Record<string, string | null>>),
        ContentType: 'application/vnd.apache.parquet',
      }),
    );
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: factManifestKey(orgId, table), Body: `s3://${this.bucket}/${key}\n`, ContentType: 'text/plain' }),
    );
  }

  async delete(key: string): Promise<void> {
    this.cache.delete(key);
    this.ranged.delete(key);
    this.footers.delete(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    // A batch file's index goes with it (after it: an index without its file is harmless).
    const indexKey = identifierIndexKeyOf(key);
    if (indexKey) {
      this.indexes.delete(indexKey);
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: indexKey }));
    }
  }

  private async bytes(key: string): Promise<ArrayBuffer> {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const array = await object.Body!.transformToByteArray();
    const buffer = array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength) as ArrayBuffer;
    this.cache.set(key, buffer);
    return buffer;
  }

  async presignUpload(key: string, seconds: number): Promise<string> {
    return getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: seconds });
  }

  async downloadUpload(key: string): Promise<DownloadedUpload> {
    const dir = await mkdtemp(join(tmpdir(), DOWNLOAD_PREFIX));
    const gzip = key.endsWith('.gz');
    const path = join(dir, gzip ? 'upload.ndjson.gz' : 'upload.ndjson');
    const hash = createHash('sha256');
    let first: Buffer | undefined;
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      await pipeline(
        object.Body as Readable,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
          first ??= chunk;
          yield hash.update(chunk) && chunk;
        }
        },
        createWriteStream(path),
      );
    } catch (error) {
      // No partial copy stays behind (a multi-GB one would fill the converter's /tmp).
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return {
      path,
      gzip,
      sha256: hash.digest('hex'),
      looksGzipped: Boolean(first && first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b),
      lines: (maxBytes) => splitLines(gzip ? createReadStream(path).pipe(createGunzip()) : createReadStream(path), maxBytes),
      scratch: (name) => join(dir, name),
      discard: () => rm(dir, { recursive: true, force: true }),
    };
  }

  async putBatchFile(key: string, path: string, indexPath: string): Promise<number> {
    // The index first, as for every batch file.
    await this.writeIndex(key, await readFile(indexPath));
    const { size } = await stat(path);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: createReadStream(path), ContentLength: size, ContentType: 'application/vnd.apache.parquet' }),
    );
    this.ranged.delete(key);
    this.cache.delete(key);
    this.footers.delete(key);
    return size;
  }

  async stageRows(): Promise<StagedRows> {
    const writers = this.write;
    const dir = await mkdtemp(join(tmpdir(), 'synctrail-batch-'));
    const path = join(dir, 'batch.parquet');
    const file = writers.trackingFile(path);
    const index = writers.indexBuilder();
    return {
      push: (row) => {
        index.add(row.identifier, row.row_number);
        return file.push(row);
      },
      commit: async (key, payloadSchema) => {
        await file.finish(payloadSchema);
        await this.writeIndex(key, index.encode());
        const { size } = await stat(path);
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: createReadStream(path), ContentLength: size, ContentType: 'application/vnd.apache.parquet' }),
        );
        this.ranged.delete(key);
        this.footers.delete(key);
        return size;
      },
      discard: () => rm(dir, { recursive: true, force: true }),
    };
  }

  async readColumns<K extends keyof TrackingRow>(key: string, columns: K[]): Promise<Array<Pick<TrackingRow, K>>> {
    return (await parquetReadObjects({ file: await this.bytes(key), columns: columns as string[], compressors: DECOMPRESSORS })) as Array<Pick<TrackingRow, K>>;
  }

  async eachRowGroup<K extends keyof TrackingRow>(key: string, columns: K[], visit: (rows: Array<Pick<TrackingRow, K>>) => void): Promise<void> {
    const file = await this.bytes(key);
    const metadata = await parquetMetadataAsync(file);
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      visit((await parquetReadObjects({ file, metadata, columns: columns as string[], rowStart, rowEnd, compressors: DECOMPRESSORS })) as Array<Pick<TrackingRow, K>>);
      rowStart = rowEnd;
    }
  }

  async readRows(key: string, start: number, end: number): Promise<TrackingRow[]> {
    return (await parquetReadObjects({ file: await this.bytes(key), rowStart: start, rowEnd: end, compressors: DECOMPRESSORS })) as TrackingRow[];
  }
}

/** The prefix of the local folders a conversion downloads into (`downloadUpload`). */
export const DOWNLOAD_PREFIX = 'synctrail-upload-';

/**
 * Removes what conversions killed mid-way left in the temp folder (their upload copies, the
 * engine's database and spill files). For the converter's start in Lambda, where one
 * invocation runs at a time and a timed-out one restarts the runtime; not for local mode,
 * whose temp folder other SyncTrails on the machine may be converting in.
 */
export async function sweepDownloads(dir = tmpdir()): Promise<number> {
  const left = (await readdir(dir)).filter((name) => name.startsWith(DOWNLOAD_PREFIX));
  await Promise.all(left.map((name) => rm(join(dir, name), { recursive: true, force: true })));
  return left.length;
}

/**
 * Splits a byte stream into UTF-8 lines without holding more than one line. A line longer
 * than `maxBytes` is cut at `maxBytes + 1` bytes (so the caller can tell) and the rest of
 * it skipped.
 */
export async function* splitLines(source: AsyncIterable<Buffer | Uint8Array | string>, maxBytes: number): AsyncIterable<string> {
  let parts: Buffer[] = [];
  let length = 0;
  let overflow = false;
  const take = (chunk: Buffer) => {
    if (overflow) return;
    const room = maxBytes + 1 - length;
    if (chunk.length > room) {
      parts.push(chunk.subarray(0, room));
      length += room;
      overflow = true;
    } else {
      parts.push(chunk);
      length += chunk.length;
    }
  };
  for await (const raw of source) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    let newline = chunk.indexOf(10);
    while (newline !== -1) {
      take(chunk.subarray(0, newline));
      let line = Buffer.concat(parts, length).toString('utf8');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      yield line;
      parts = [];
      length = 0;
      overflow = false;
      chunk = chunk.subarray(newline + 1);
      newline = chunk.indexOf(10);
    }
    if (chunk.length) take(Buffer.from(chunk));
  }
  if (length > 0) yield Buffer.concat(parts, length).toString('utf8');
}

type BatchFooter = { file: AsyncBuffer; metadata: FileMetaData };

/**
 * The first read of a batch file's footer: ~1.8 KB per 10k-row row group (0.55 % of our files),
 * so 1/128 of the file, at least 64 KiB: one read for any file instead of two for large ones.
 */
const footerFetchBytes = (byteLength: number) => Math.min(byteLength, Math.max(FOOTER_FETCH_BYTES, Math.min(1024 * 1024, Math.ceil(byteLength / 128))));

/** A byte range [from, to) of a file; empty while from ≥ to. */
type Span = { from: number; to: number };
const emptySpan = (): Span => ({ from: Infinity, to: 0 });
function widen(span: Span, offset: number, length: number): void {
  span.from = Math.min(span.from, offset);
  span.to = Math.max(span.to, offset + length);
}

/** S3's "no such key": 404 (403 without s3:ListBucket on the prefix, which readers of indexes are granted). */
function isMissing(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.Code === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/** Where a file's data pages end: indexes, bloom filters and the footer follow. */
function dataEnd(metadata: FileMetaData): number {
  let end = 0;
  for (const group of metadata.row_groups) {
    for (const column of group.columns) {
      const meta = column.meta_data;
      if (!meta) continue;
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      end = Math.max(end, start + Number(meta.total_compressed_size));
    }
  }
  return end;
}

/**
 * A file read by byte ranges that keeps what it fetched: a slice inside a range already
 * read is served from memory, so a prefetched region answers many small reads at once.
 */
export class RangeReader implements AsyncBuffer {
  private readonly regions: Array<{ start: number; bytes: ArrayBuffer }> = [];
  private held = 0;

  constructor(
    readonly byteLength: number,
    private readonly fetchRange: (start: number, end: number) => Promise<ArrayBuffer>,
    private readonly maxHeld = 16 * 1024 * 1024,
  ) {}

  async prefetch(start: number, end: number): Promise<void> {
    if (start < end && !this.find(start, end)) this.keep(start, await this.fetchRange(start, end));
  }

  async slice(start: number, end?: number): Promise<ArrayBuffer> {
    const stop = end ?? this.byteLength;
    const region = this.find(start, stop);
    if (region) return region.bytes.slice(start - region.start, stop - region.start);
    const bytes = await this.fetchRange(start, stop);
    this.keep(start, bytes);
    return bytes;
  }

  private find(start: number, end: number) {
    return this.regions.find((r) => start >= r.start && end <= r.start + r.bytes.byteLength);
  }

  /** Keeps bytes already fetched (from `start`) for later slices. */
  keep(start: number, bytes: ArrayBuffer): void {
    this.regions.push({ start, bytes });
    this.held += bytes.byteLength;
    while (this.held > this.maxHeld && this.regions.length > 1) this.held -= this.regions.shift()!.bytes.byteLength;
  }
}
