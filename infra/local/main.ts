import { mkdirSync } from 'node:fs';
import { consoleUrlFromEnv, retentionFromEnv } from '#adapters/settings.ts';
import { loadRootKey } from './root-key-file.ts';
import { acquireInstanceLock, describePortError, localSettings, portProblem, type HeldLock } from './instance.ts';

let lock: HeldLock | undefined;

/** `npm start`: SyncTrail's API on this machine, no AWS account needed. */
async function main() {
  // The SDK nags on Node 20 about Node 22; Lambda runs 22+, and local mode works on both.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { port, dataDir } = localSettings(process.env);
  const retention = retentionFromEnv(process.env);
  const consoleUrl = consoleUrlFromEnv(process.env);
  mkdirSync(dataDir, { recursive: true });

  // One SyncTrail per data folder (its stores are not shared between processes) and per port:
  // a second start says which one runs, in one line, before it opens anything.
  lock = await acquireInstanceLock(dataDir, { port, say: (line) => console.log(line) });
  // Stopped while starting: leave no lock behind (process.exit releases it).
  const early = () => process.exit(130);
  process.once('SIGINT', early);
  process.once('SIGTERM', early);
  const taken = await portProblem(port);
  if (taken) throw new Error(taken);

  const root = loadRootKey(dataDir, process.env.SYNCTRAIL_ROOT_KEY);
  // Loaded only now, so a second start answers in well under a second.
  const { startLocalStack } = await import('./local-stack.ts');
  const stack = await startLocalStack({
    dataDir,
    port,
    rootKey: root.rootKey,
    ...retention,
    ...(consoleUrl ? { consoleUrl } : {}),
    ...(process.env.SYNCTRAIL_CRASH_AT ? { crashAt: process.env.SYNCTRAIL_CRASH_AT } : {}),
    onRequest: ({ method, path, status, ms }) => console.log(`${new Date().toISOString()} ${method} ${path} ${status} ${ms}ms`),
  }).catch(async (error: NodeJS.ErrnoException) => {
    // Taken between the check and the listen.
    throw error.code === 'EADDRINUSE' || error.code === 'EACCES' ? new Error(await describePortError(error, port)) : error;
  });
  lock.listening(stack.url, stack.port);
  process.off('SIGINT', early);
  process.off('SIGTERM', early);

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
    lock?.release();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  lock?.release();
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
