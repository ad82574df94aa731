import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import S3rver from 's3rver';
import { recoverAtomicStore, useAtomicStore } from './atomic-s3-store.ts';

export interface LocalS3 {
  server: S3rver;
  port: number;
}

/** Where local mode keeps its S3 port, so pre-signed URLs outlive a restart. */
export const s3PortFile = (dataDir: string) => join(dataDir, 's3-port');

function storedPort(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new Error(`${file} should hold the local S3 port, not "${text}"; delete it to pick a new port`);
  return port;
}

/**
 * s3rver for local mode, on `<dataDir>/s3`: objects written atomically (see
 * atomic-s3-store.ts), and the same port on every start of this data folder. The first start
 * takes a free port and keeps it in `<dataDir>/s3-port`; later starts listen there again,
 * and fail with one line if something else holds it.
 */
export async function startLocalS3(options: { dataDir: string; bucket: string }): Promise<LocalS3> {
  const directory = join(options.dataDir, 's3');
  mkdirSync(directory, { recursive: true });
  await recoverAtomicStore(directory);

  const portFile = s3PortFile(options.dataDir);
  const kept = storedPort(portFile);
  const server = new S3rver({ port: kept ?? 0, address: '127.0.0.1', directory, silent: true, configureBuckets: [{ name: options.bucket, configs: [] }] });
  useAtomicStore(server, directory);
  // s3rver's run() waits for listen's callback, which never sees an error: a taken port would
  // surface as an unhandled 'error' event that ends the process. Listen with the error heard.
  const listen = server.listen.bind(server);
  server.listen = (...args: unknown[]) =>
    new Promise<Server>((resolve, reject) => {
      const http = listen(...args, () => {
        http.off('error', reject);
        resolve(http);
      }) as Server;
      http.once('error', reject);
    });

  let port: number;
  try {
    port = (await server.run()).port;
  } catch (error) {
    if (kept !== undefined && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`local S3 port ${kept} (kept in ${portFile}) is in use by another program; stop it, or delete that file to pick a new port (pre-signed URLs issued before then stop working)`);
    }
    throw error;
  }
  if (kept === undefined) {
    const temp = `${portFile}.tmp-${process.pid}`;
    writeFileSync(temp, `${port}\n`);
    renameSync(temp, portFile);
  }
  return { server, port };
}
