import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startLocalS3, s3PortFile, type LocalS3 } from '../../infra/local/local-s3.ts';

const BUCKET = 'synctrail-tracking';
const repo = join(import.meta.dirname, '..', '..');
const TEMP = /\.synctrail-tmp-/;

const dirs: string[] = [];
const servers: LocalS3[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.server.close().catch(() => undefined)));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'synctrail-s3-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string) {
  const local = await startLocalS3({ dataDir: dir, bucket: BUCKET });
  servers.push(local);
  return local;
}

async function stop(local: LocalS3) {
  servers.splice(servers.indexOf(local), 1);
  await local.server.close();
}

const client = (port: number) =>
  new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

async function read(s3: S3Client, key: string): Promise<Buffer | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

async function keys(s3: S3Client, prefix = ''): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!);
}

/** Every file on disk under `dir`, with its size. */
function filesUnder(dir: string): Array<{ path: string; size: number }> {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      try {
        return { path, size: statSync(path).size };
      } catch {
        return { path, size: -1 }; // renamed between listing and stat
      }
    });
}

/** A stream body that yields `bytes` in 256 KB chunks, pausing between them. */
function slowStream(bytes: Buffer, pauseMs: number) {
  return Readable.from(
    (async function* () {
      for (let at = 0; at < bytes.length; at += 256 * 1024) {
        yield bytes.subarray(at, at + 256 * 1024);
        await sleep(pauseMs);
      }
    })(),
  );
}

async function until<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('local S3: atomic objects and a kept port', () => {
  it('a kill -9 mid-PUT leaves the old version byte for byte (or no object), and no temporary file listed or left', async () => {
    // Arrange: an old version of one key, then a process that overwrites it and creates a second key, slowly.
    const dir = dataDir();
    const old = randomBytes(3_000_000);
    const first = await start(dir);
    await client(first.port).send(new PutObjectCommand({ Bucket: BUCKET, Key: 'runs/old.parquet', Body: old }));
    await stop(first);
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/local-s3-child.ts', dir, BUCKET, String(20 * 1024 * 1024), 'runs/old.parquet', 'runs/new.parquet'], {
      cwd: repo,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));

    // Act: kill it once both uploads have put more than 8 MB on disk.
    const ready = await until('the child to listen', () => /\{"ready":(\d+)\}/.exec(output));
    const bucketDir = join(dir, 's3', BUCKET);
    const torn = await until('8 MB of both uploads on disk', () => {
      const growing = filesUnder(bucketDir).filter((f) => f.size > 8 * 1024 * 1024);
      return growing.length === 2 && growing;
    });
    // They are written under temporary names, not the objects' own.
    expect(torn.filter((f) => TEMP.test(f.path))).toHaveLength(2);
    // While the upload runs, the object's name still holds the old version, whole.
    expect(readFileSync(join(bucketDir, 'runs', 'old.parquet._S3rver_object')).equals(old)).toBe(true);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(output).not.toContain('"done"');
    const leftBehind = filesUnder(bucketDir).filter((f) => TEMP.test(f.path));
    expect(leftBehind.length).toBeGreaterThanOrEqual(2);

    // Assert: start again on the same folder.
    const again = await start(dir);
    const s3 = client(again.port);
    expect(again.port).toBe(Number(ready[1]));
    const after = await read(s3, 'runs/old.parquet');
    expect(after?.length).toBe(old.length);
    expect(after!.equals(old)).toBe(true);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'runs/old.parquet' }))).ETag).toBe(`"${md5(old)}"`);
    expect(await read(s3, 'runs/new.parquet')).toBeUndefined();
    expect(await keys(s3)).toEqual(['runs/old.parquet']);
    expect(filesUnder(bucketDir).filter((f) => TEMP.test(f.path))).toEqual([]);
    console.log(`kill -9 mid-PUT: temporary files at the kill ${torn.map((t) => t.size).join(', ')} bytes of ${20 * 1024 * 1024}; old version ${old.length} bytes intact`);
  }, 60_000);

  it('startup finishes a write cut between the object rename and its sidecars, and drops sidecars of objects never committed', async () => {
    // Arrange: v2's bytes are in place, its MD5 and metadata still temporary; and a stray sidecar of some other content.
    const dir = dataDir();
    const v1 = Buffer.from('version one');
    const v2 = Buffer.from('version two, longer');
    const first = await start(dir);
    await client(first.port).send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a/b.json', Body: v1, ContentType: 'text/plain' }));
    await stop(first);
    const objectPath = join(dir, 's3', BUCKET, 'a', 'b.json._S3rver_object');
    writeFileSync(objectPath, v2);
    writeFileSync(`${objectPath}.md5.synctrail-tmp-0123456789abcdef-${md5(v2)}`, md5(v2));
    writeFileSync(join(dir, 's3', BUCKET, 'a', `b.json._S3rver_metadata.json.synctrail-tmp-0123456789abcdef-${md5(v2)}`), JSON.stringify({ 'content-type': 'application/json' }));
    writeFileSync(join(dir, 's3', BUCKET, 'a', `b.json._S3rver_metadata.json.synctrail-tmp-fedcba9876543210-${md5(Buffer.from('never committed'))}`), '{"content-type":"x/never"}');

    // Act
    const again = await start(dir);
    const head = await client(again.port).send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'a/b.json' }));

    // Assert
    expect(head.ETag).toBe(`"${md5(v2)}"`);
    expect(head.ContentType).toBe('application/json');
    expect(filesUnder(join(dir, 's3')).filter((f) => TEMP.test(f.path))).toEqual([]);
  });

  it('readers see the old version, and no temporary file, while a PUT is in flight', async () => {
    // Arrange
    const dir = dataDir();
    const local = await start(dir);
    const s3 = client(local.port);
    const old = randomBytes(100_000);
    const next = randomBytes(6 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x/file.parquet', Body: old }));

    // Act
    const put = s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x/file.parquet', Body: slowStream(next, 20), ContentLength: next.length }));
    const bucketDir = join(dir, 's3', BUCKET);
    await until('half of the upload on disk', () => filesUnder(bucketDir).some((f) => f.size > next.length / 2));
    const during = await read(s3, 'x/file.parquet');
    const listedDuring = await keys(s3);
    await put;

    // Assert
    expect(during!.equals(old)).toBe(true);
    expect(listedDuring).toEqual(['x/file.parquet']);
    expect((await read(s3, 'x/file.parquet'))!.equals(next)).toBe(true);
    expect(filesUnder(bucketDir).filter((f) => TEMP.test(f.path))).toEqual([]);
  });

  it('an upload cut off mid-body leaves the old version and no temporary file, and announces nothing', async () => {
    // Arrange
    const dir = dataDir();
    const local = await start(dir);
    const s3 = client(local.port);
    const old = randomBytes(1000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cut/file.ndjson', Body: old }));
    const events: unknown[] = [];
    local.server.on('event', (event) => events.push(event));
    const bucketDir = join(dir, 's3', BUCKET);

    // Act: promise 1 MB, send 300 KB, hang up.
    const req = request({ host: '127.0.0.1', port: local.port, method: 'PUT', path: `/${BUCKET}/cut/file.ndjson`, headers: { 'content-length': 1024 * 1024 } });
    req.on('error', () => undefined);
    req.write(randomBytes(300 * 1024));
    await until('the body on disk', () => filesUnder(bucketDir).some((f) => TEMP.test(f.path) && f.size === 300 * 1024));
    req.destroy();
    await until('the temporary file gone', () => !filesUnder(bucketDir).some((f) => TEMP.test(f.path)), 5_000);

    // Assert
    expect((await read(s3, 'cut/file.ndjson'))!.equals(old)).toBe(true);
    expect(events).toEqual([]);
  });

  it('a streamed PUT, a multipart upload and a copy read back byte-identical, with their metadata', async () => {
    // Arrange
    const dir = dataDir();
    const local = await start(dir);
    const s3 = client(local.port);
    const body = randomBytes(5 * 1024 * 1024 + 123);
    const parts = [randomBytes(5 * 1024 * 1024), randomBytes(777_777)];

    // Act
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'up/stream.ndjson', Body: slowStream(body, 0), ContentLength: body.length, ContentType: 'application/x-ndjson', Metadata: { batch: '7' } }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'up/multi.bin' }));
    const etags: string[] = [];
    for (const [i, part] of parts.entries()) {
      etags.push((await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'up/multi.bin', UploadId, PartNumber: i + 1, Body: slowStream(part, 0), ContentLength: part.length }))).ETag!);
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'up/multi.bin', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'up/copy.ndjson', CopySource: `${BUCKET}/up/stream.ndjson` }));

    // Assert
    expect((await read(s3, 'up/stream.ndjson'))!.equals(body)).toBe(true);
    expect((await read(s3, 'up/multi.bin'))!.equals(Buffer.concat(parts))).toBe(true);
    expect((await read(s3, 'up/copy.ndjson'))!.equals(body)).toBe(true);
    const copy = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'up/copy.ndjson' }));
    expect(copy).toMatchObject({ ETag: `"${md5(body)}"`, ContentType: 'application/x-ndjson', ContentLength: body.length, Metadata: { batch: '7' } });
    expect((await keys(s3, 'up/')).sort()).toEqual(['up/copy.ndjson', 'up/multi.bin', 'up/stream.ndjson']);
    expect(filesUnder(join(dir, 's3')).filter((f) => TEMP.test(f.path))).toEqual([]);
  });

  it('concurrent PUTs of one key end as one of them whole: its bytes, ETag and metadata together', async () => {
    // Arrange
    const local = await start(dataDir());
    const s3 = client(local.port);
    const versions = Array.from({ length: 8 }, (_, i) => ({ body: randomBytes(200_000 + i * 50_000), type: `application/x-v${i}` }));

    // Act
    await Promise.all(versions.map((v) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'race/one', Body: slowStream(v.body, 1), ContentLength: v.body.length, ContentType: v.type }))));

    // Assert
    const body = (await read(s3, 'race/one'))!;
    const winner = versions.find((v) => v.body.equals(body));
    expect(winner).toBeDefined();
    expect(await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'race/one' }))).toMatchObject({ ETag: `"${md5(body)}"`, ContentType: winner!.type });
  });

  it('announces each object once, after it is complete on disk', async () => {
    // Arrange
    const dir = dataDir();
    const local = await start(dir);
    const s3 = client(local.port);
    const seen: Array<{ name: string; key: string; size: number; onDisk: number }> = [];
    local.server.on('event', (event: { Records: Array<{ eventName: string; s3: { object: { key: string; size: number } } }> }) => {
      for (const record of event.Records) {
        const key = record.s3.object.key;
        seen.push({ name: record.eventName, key, size: record.s3.object.size, onDisk: statSync(join(dir, 's3', BUCKET, `${key}._S3rver_object`)).size });
      }
    });
    const bodies = [randomBytes(10), randomBytes(2 * 1024 * 1024), randomBytes(300_000)];

    // Act
    for (const [i, body] of bodies.entries()) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `uploads/${i}.ndjson`, Body: i === 1 ? slowStream(body, 5) : body, ContentLength: body.length }));
    }
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/0.ndjson', Body: 'again' }));
    await until('four events', () => seen.length >= 4, 5_000);
    await sleep(100);

    // Assert
    expect(seen).toEqual([
      { name: 'ObjectCreated:Put', key: 'uploads/0.ndjson', size: 10, onDisk: 10 },
      { name: 'ObjectCreated:Put', key: 'uploads/1.ndjson', size: 2 * 1024 * 1024, onDisk: 2 * 1024 * 1024 },
      { name: 'ObjectCreated:Put', key: 'uploads/2.ndjson', size: 300_000, onDisk: 300_000 },
      { name: 'ObjectCreated:Put', key: 'uploads/0.ndjson', size: 5, onDisk: 5 },
    ]);
  });

  it('keeps its port in the data folder: a pre-signed PUT URL from before a restart works after it', async () => {
    // Arrange
    const dir = dataDir();
    const first = await start(dir);
    const url = await getSignedUrl(client(first.port), new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/presigned.ndjson' }), { expiresIn: 3600 });
    expect(readFileSync(s3PortFile(dir), 'utf8').trim()).toBe(String(first.port));
    await stop(first);

    // Act
    const again = await start(dir);
    const put = await fetch(url, { method: 'PUT', body: '{"a":1}\n' });

    // Assert
    expect(again.port).toBe(first.port);
    expect(put.status).toBe(200);
    expect((await read(client(again.port), 'uploads/presigned.ndjson'))?.toString()).toBe('{"a":1}\n');
  });

  it('fails with one clear line when something else holds the kept port', async () => {
    // Arrange
    const dir = dataDir();
    const first = await start(dir);
    await stop(first);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(first.port, '127.0.0.1', resolve));

    try {
      // Act
      const started = startLocalS3({ dataDir: dir, bucket: BUCKET });

      // Assert
      await expect(started).rejects.toThrow(new RegExp(`^local S3 port ${first.port} \\(kept in .*s3-port\\) is in use by another program; stop it, or delete that file to pick a new port`));
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
