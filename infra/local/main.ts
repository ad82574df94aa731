import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { retentionFromEnv } from '#adapters/settings.ts';
import { loadRootKey } from './root-key-file.ts';
import { startLocalStack } from './local-stack.ts';

/** `npm start`: SyncTrail's API on this machine, no AWS account needed. */
async function main() {
  // The SDK nags on Node 20 about Node 22; Lambda runs 22+, and local mode works on both.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const port = Number(process.env.PORT ?? 4300);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${process.env.PORT}`);
  const dataDir = resolve(process.env.SYNCTRAIL_DATA_DIR ?? '.synctrail');
  const retention = retentionFromEnv(process.env);
  mkdirSync(dataDir, { recursive: true });

  const root = loadRootKey(dataDir, process.env.SYNCTRAIL_ROOT_KEY);
  const stack = await startLocalStack({
    dataDir,
    port,
    rootKey: root.rootKey,
    ...retention,
    ...(process.env.SYNCTRAIL_CRASH_AT ? { crashAt: process.env.SYNCTRAIL_CRASH_AT } : {}),
    onRequest: ({ method, path, status, ms }) => console.log(`${new Date().toISOString()} ${method} ${path} ${status} ${ms}ms`),
  });

  console.log(`SyncTrail local mode — data in ${dataDir}`);
  if (root.source === 'generated') {
    console.log(`Root key (shown once; kept in ${root.file}):\n  ${root.rootKey}`);
  } else if (root.source === 'file') {
    console.log(`Root key: the one in ${root.file}`);
  } else {
    console.log('Root key: from SYNCTRAIL_ROOT_KEY');
  }
  console.log(`Console: ${stack.url}/ (sign in with an API key; paste the root key to create an org, or run npm run demo)`);
  console.log(`listening on ${stack.url}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
