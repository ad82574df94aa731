/**
 * A child process for test/integration/local-s3-atomic.test.ts: starts local mode's S3 on a
 * data folder and PUTs each key given slowly (a stream body, 256 KB every 25 ms), printing
 * one JSON line when ready and one per chunk sent, so the test can `kill -9` it mid-upload.
 *
 *   node --import tsx test/support/local-s3-child.ts <dataDir> <bucket> <bytes> <key>...
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startLocalS3 } from '../../infra/local/local-s3.ts';

const [dataDir, bucket, bytesArg, ...keys] = process.argv.slice(2);
if (!dataDir || !bucket || !bytesArg || keys.length === 0) throw new Error('usage: local-s3-child.ts <dataDir> <bucket> <bytes> <key>...');
const total = Number(bytesArg);
const CHUNK = 256 * 1024;

const { port } = await startLocalS3({ dataDir, bucket });
const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: `http://127.0.0.1:${port}`,
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
console.log(JSON.stringify({ ready: port }));

async function* slowBody(key: string) {
  for (let sent = 0; sent < total; ) {
    const n = Math.min(CHUNK, total - sent);
    yield Buffer.alloc(n, 'N');
    sent += n;
    console.log(JSON.stringify({ key, sent }));
    await sleep(25);
  }
}

await Promise.all(keys.map((key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Readable.from(slowBody(key)), ContentLength: total }))));
console.log(JSON.stringify({ done: true }));
process.exit(0);
