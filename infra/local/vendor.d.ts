// Just the parts of the two local stand-ins that local mode uses.
declare module 'dynalite' {
  import type { Server } from 'node:http';
  interface DynaliteOptions {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }
  export default function dynalite(options?: DynaliteOptions): Server;
}

declare module 's3rver' {
  import type { EventEmitter } from 'node:events';
  interface S3rverOptions {
    port?: number;
    address?: string;
    directory: string;
    silent?: boolean;
    configureBuckets?: Array<{ name: string; configs: Array<string | Buffer> }>;
  }
  export default class S3rver extends EventEmitter {
    constructor(options: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
    /** The store every request goes through (`this.store` and `this.context.store`). */
    store: object;
    context: { store: object };
    /** Used by `run()`; called with a callback it returns the http.Server. */
    listen(...args: unknown[]): unknown;
  }
}

// s3rver's on-disk store, subclassed by infra/local/atomic-s3-store.ts.
declare module 's3rver/lib/stores/filesystem.js' {
  import type { Readable } from 'node:stream';
  export interface StoredObject {
    bucket: string;
    key: string;
    content: Readable | Buffer;
    metadata: Record<string, string>;
  }
  export default class FilesystemStore {
    constructor(rootDirectory: string);
    rootDirectory: string;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    getMetadata(bucket: string, key: string): Promise<Record<string, unknown>>;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
    putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
    copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacementMetadata: Record<string, string> | null): Promise<Record<string, unknown>>;
    deleteObject(bucket: string, key: string): Promise<void>;
    listObjects(bucket: string, options: Record<string, unknown>): Promise<unknown>;
    putPart(bucket: string, uploadId: string, partNumber: number | string, content: Readable): Promise<{ size: number; md5: string }>;
    putSubresource(bucket: string, key: string | undefined, resource: { type: string; toXML(indent?: number): string }): Promise<void>;
  }
}

declare module 's3rver/lib/models/object.js' {
  const S3Object: { ALLOWED_METADATA: string[] };
  export default S3Object;
}
