import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parquetReadObjects } from 'hyparquet';
import type { TrackingFiles } from '#domain/ports.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';
import { encodeStringTable, encodeTrackingRows } from './parquet.ts';
import { FACT_COLUMNS, factFileKey, factManifestKey, type FactTableName, type FactTables } from '#domain/facts.ts';

/** Bytes of recently read batch files kept per container: enough for a 1M-record run. */
const CACHE_BYTES = 96 * 1024 * 1024;

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

export class S3TrackingFiles implements TrackingFiles {
  private readonly cache = new FileCache();

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async writeRows(key: string, rows: TrackingRow[]): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: encodeTrackingRows(rows),
        ContentType: 'application/vnd.apache.parquet',
      }),
    );
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

  async writeFactTable<T extends FactTableName>(orgId: string, table: T, rows: FactTables[T]): Promise<void> {
    const key = factFileKey(orgId, table);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: encodeStringTable(FACT_COLUMNS[table] as readonly string[], rows as unknown as Array<Record<string, string | null>>),
        ContentType: 'application/vnd.apache.parquet',
      }),
    );
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: factManifestKey(orgId, table), Body: `s3://${this.bucket}/${key}\n`, ContentType: 'text/plain' }),
    );
  }

  async delete(key: string): Promise<void> {
    this.cache.delete(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
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

  async readColumns<K extends keyof TrackingRow>(key: string, columns: K[]): Promise<Array<Pick<TrackingRow, K>>> {
    return (await parquetReadObjects({ file: await this.bytes(key), columns: columns as string[] })) as Array<Pick<TrackingRow, K>>;
  }

  async readRows(key: string, start: number, end: number): Promise<TrackingRow[]> {
    return (await parquetReadObjects({ file: await this.bytes(key), rowStart: start, rowEnd: end })) as TrackingRow[];
  }
}
