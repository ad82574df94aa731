import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { TrackingFiles } from '#domain/ports.ts';
import type { TrackingRow } from '#domain/tracking-row.ts';
import { encodeTrackingRows } from './parquet.ts';

export class S3TrackingFiles implements TrackingFiles {
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

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
