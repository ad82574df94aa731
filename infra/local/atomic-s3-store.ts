import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';
import FilesystemStore, { type StoredObject } from 's3rver/lib/stores/filesystem.js';
import S3Object from 's3rver/lib/models/object.js';

/*
 * s3rver (3.7.1) stores an object as three files side by side:
 *   <key>._S3rver_object          the bytes
 *   <key>._S3rver_object.md5      its MD5 (the ETag)
 *   <key>._S3rver_metadata.json   content-type, content-encoding, x-amz-meta-*
 * and writes each in place, streaming the request body straight into `._S3rver_object`: a
 * reader during a PUT, or anyone after a `kill -9` mid-PUT, sees a torn file. (It also
 * answers, and emits its `event`, once the body has passed its hash, before the file write
 * has finished; and an upload cut off mid-body leaves its promise pending for ever.) This
 * store writes every file under a temporary name in the same directory and renames it into
 * place once whole, so a name only ever points at a complete file, and s3rver answers and
 * emits its `event` only after the rename.
 *
 * The object's rename is the commit point. Its sidecars are written (as temporaries) before
 * it and renamed after it; their temporary names carry the MD5 of the object they belong to,
 * so if the process dies between the renames, startup (`recoverAtomicStore`) finishes the
 * job for sidecars whose object is in place and deletes every other temporary file.
 *
 * This guards against the process dying (kill -9, a crash), not against a power cut: nothing
 * is fsynced. Flushing each file before its rename cost about a quarter more time in the
 * upload and ingest suites, and local mode's data is a developer's, not a bank's.
 *
 * Temporary names end in `.synctrail-tmp-<16 hex>[-<32 hex md5>]`. No file s3rver itself
 * writes ends like that (its files end in `._S3rver_object`, `.md5`, `.json`, `.xml` or are
 * part numbers), so a temporary file is never listed (ListObjects only looks at names ending
 * in `._S3rver_object`), never served and never read by local SQL.
 */

const TEMP_MARK = '.synctrail-tmp-';
const TEMP_NAME = /^(.*)\.synctrail-tmp-[0-9a-f]{16}(?:-([0-9a-f]{32}))?$/;
const SIDECAR = /\._S3rver_(?:object\.md5|metadata\.json)$/;

const tempName = (path: string, md5?: string) => `${path}${TEMP_MARK}${randomBytes(8).toString('hex')}${md5 ? `-${md5}` : ''}`;
const ignoreMissing = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'ENOENT') throw error;
};

/** Writes `content` to a new temporary file beside `path`; returns its name, size and MD5. */
async function writeTemp(path: string, content: Readable | Buffer | string, md5Tag?: string) {
  const temp = tempName(path, md5Tag);
  const hash = createHash('md5');
  let size = 0;
  await mkdir(dirname(path), { recursive: true });
  try {
    if (typeof content === 'string' || Buffer.isBuffer(content)) {
      const bytes = Buffer.from(content);
      hash.update(bytes);
      size = bytes.length;
      await writeFile(temp, bytes, { flag: 'wx' });
    } else {
      // pipeline (unlike s3rver's bare .pipe) rejects when the client goes away mid-body.
      const count = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      await pipeline(content, count, createWriteStream(temp, { flags: 'wx' }));
    }
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return { temp, size, md5: hash.digest('hex') };
}

async function writeAtomic(path: string, content: string | Buffer): Promise<void> {
  const { temp } = await writeTemp(path, content);
  await rename(temp, path);
}

async function md5OfFile(path: string): Promise<string | undefined> {
  const hash = createHash('md5');
  try {
    await pipeline(createReadStream(path), hash);
  } catch (error) {
    ignoreMissing(error as NodeJS.ErrnoException);
    return undefined;
  }
  return hash.digest('hex');
}

/** The metadata file s3rver writes for an object: the same fields, the same JSON. */
function metadataJson(metadata: Record<string, string>): string {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-')) kept[name] = value;
  }
  return JSON.stringify(kept, null, 2);
}

export class AtomicFilesystemStore extends FilesystemStore {
  private readonly busy = new Map<string, Promise<unknown>>();

  /**
   * Runs the quick renaming part of one change to an object after the previous one's, so
   * two PUTs of one key never end as one's bytes with the other's metadata. (Bodies still
   * stream in parallel; only the renames queue.)
   */
  private async inTurn<T>(objectPath: string, work: () => Promise<T>): Promise<T> {
    const run = (this.busy.get(objectPath) ?? Promise.resolve()).then(work, work);
    const settled = run.catch(() => undefined);
    this.busy.set(objectPath, settled);
    try {
      return await run;
    } finally {
      if (this.busy.get(objectPath) === settled) this.busy.delete(objectPath);
    }
  }

  /** Puts bytes, MD5 and metadata in place: the object's rename first (the commit), then its sidecars. */
  private async commit(bucket: string, key: string, content: Readable | Buffer, metadata: string): Promise<{ size: number; md5: string }> {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    const metadataPath = this.getResourcePath(bucket, key, 'metadata.json');
    const object = await writeTemp(objectPath, content);
    const sidecars: Array<[string, string]> = [];
    try {
      sidecars.push([(await writeTemp(`${objectPath}.md5`, object.md5, object.md5)).temp, `${objectPath}.md5`]);
      sidecars.push([(await writeTemp(metadataPath, metadata, object.md5)).temp, metadataPath]);
    } catch (error) {
      await Promise.all([object.temp, ...sidecars.map(([temp]) => temp)].map((temp) => unlink(temp).catch(() => undefined)));
      throw error;
    }
    await this.inTurn(objectPath, async () => {
      await rename(object.temp, objectPath);
      for (const [temp, path] of sidecars) await rename(temp, path);
    });
    return { size: object.size, md5: object.md5 };
  }

  /** PutObject and POST uploads; CompleteMultipartUpload also ends here (s3rver's putObjectMultipart calls it). */
  override async putObject(object: StoredObject) {
    return this.commit(object.bucket, object.key, object.content, metadataJson(object.metadata));
  }

  /** Metadata only (CopyObject onto itself with REPLACE); crash-safe without roll-forward: the old file or the new. */
  override async putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string) {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    await this.inTurn(objectPath, async () => {
      if (md5) await writeAtomic(`${objectPath}.md5`, md5);
      await writeAtomic(this.getResourcePath(bucket, key, 'metadata.json'), metadataJson(metadata));
    });
  }

  /** CopyObject: s3rver copies the three files in place one by one (`fs.copy`); this streams the source through `commit`. */
  override async copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacementMetadata: Record<string, string> | null) {
    const source = this.getResourcePath(srcBucket, srcKey, 'object');
    if (source === this.getResourcePath(destBucket, destKey, 'object')) return super.copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata);
    const metadata = replacementMetadata
      ? metadataJson(replacementMetadata)
      : await readFile(this.getResourcePath(srcBucket, srcKey, 'metadata.json'), 'utf8').catch((error: NodeJS.ErrnoException) => {
          ignoreMissing(error);
          return '{}';
        });
    await this.commit(destBucket, destKey, createReadStream(source), metadata);
    return this.getMetadata(destBucket, destKey);
  }

  /** The object goes first, so a crash midway never leaves an object without its metadata. */
  override async deleteObject(bucket: string, key: string) {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    await this.inTurn(objectPath, async () => {
      await unlink(objectPath).catch(ignoreMissing);
      await super.deleteObject(bucket, key);
    });
  }

  /** UploadPart: the part file is renamed into place whole (CompleteMultipartUpload concatenates these). */
  override async putPart(bucket: string, uploadId: string, partNumber: number | string, content: Readable) {
    const partPath = join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    const part = await writeTemp(partPath, content);
    await rename(part.temp, partPath);
    await writeAtomic(`${partPath}.md5`, part.md5);
    return { size: part.size, md5: part.md5 };
  }

  /**
   * s3rver's listing reads a directory, then stats each name in it; a temporary file renamed
   * in between (every write now does that) fails the listing with ENOENT. Listing again sees
   * the directory after the rename.
   */
  override async listObjects(bucket: string, options: Record<string, unknown>) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await super.listObjects(bucket, options);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 5) throw error;
      }
    }
  }

  override async putSubresource(bucket: string, key: string | undefined, resource: { type: string; toXML(indent?: number): string }) {
    await writeAtomic(this.getResourcePath(bucket, key, `${resource.type}.xml`), resource.toXML(2));
  }
}

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

/**
 * Startup, before the server listens: finishes what a killed process left half-done. A
 * sidecar whose temporary name carries the MD5 of the object now in place is renamed into
 * place (the object was committed, its sidecars not yet); every other temporary file (an
 * object or part that never got renamed, a sidecar of an object that never did) is deleted.
 */
export async function recoverAtomicStore(directory: string): Promise<{ removed: string[]; completed: string[] }> {
  const removed: string[] = [];
  const completed: string[] = [];
  const liveMd5 = new Map<string, Promise<string | undefined>>();
  for await (const path of filesUnder(directory)) {
    const match = TEMP_NAME.exec(path);
    if (!match) continue;
    const [, target, md5] = match as unknown as [string, string, string | undefined];
    if (md5 && SIDECAR.test(target)) {
      const objectPath = target.replace(SIDECAR, '._S3rver_object');
      if (!liveMd5.has(objectPath)) liveMd5.set(objectPath, md5OfFile(objectPath));
      if ((await liveMd5.get(objectPath)) === md5) {
        await rename(path, target);
        completed.push(target);
        continue;
      }
    }
    await unlink(path).catch(ignoreMissing);
    removed.push(path);
  }
  return { removed, completed };
}

/** Swaps s3rver's store for the atomic one (s3rver keeps it in two places). Call before `run()`. */
export function useAtomicStore(server: S3rver, directory: string): AtomicFilesystemStore {
  const store = new AtomicFilesystemStore(directory);
  server.store = server.context.store = store;
  return store;
}
