import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { refreshFactTables } from '#domain/facts.ts';
import { retentionFromEnv } from '#adapters/settings.ts';
import { LOCAL_FACTS_PATH, startLocalStack } from './local-stack.ts';
import { acquireInstanceLock, findInstance, instanceLine, shownDir } from './instance.ts';

/**
 * `npm run facts`: rewrite the fact tables now. Asks the running `npm start` when there is
 * one (its database is not shared between processes); otherwise takes the data folder's lock
 * and opens the stores itself.
 */
async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The same PORT and SYNCTRAIL_DATA_DIR as npm start; the lock file says where it listens.
  const found = findInstance(process.env);
  const { dataDir, url: base } = found;
  const keyFile = join(dataDir, 'root-key');
  const rootKey = process.env.SYNCTRAIL_ROOT_KEY?.trim() || (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (!rootKey) throw new Error(`no root key in ${shownDir(dataDir)}: start SyncTrail once with npm start (or set SYNCTRAIL_DATA_DIR, or SYNCTRAIL_ROOT_KEY)`);
  const running = await fetch(`${base}${LOCAL_FACTS_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${rootKey}` } }).catch(() => undefined);
  if (running) {
    console.log(instanceLine(found));
    const body = await running.text();
    if (!running.ok) throw new Error(`the running server answered ${running.status}: ${body}`);
    console.log(`fact tables refreshed by the server at ${base}: ${body}`);
    return;
  }
  if (found.running) throw new Error(`SyncTrail (pid ${found.running.pid}) holds ${shownDir(dataDir)} but nothing answers at ${base}; wait for it to finish starting, or stop it`);
  const lock = await acquireInstanceLock(dataDir, { port: 0, command: 'npm run facts', say: (line) => console.log(line) });
  console.log(`no SyncTrail running on data folder ${shownDir(dataDir)}: refreshing in this process`);
  try {
    const stack = await startLocalStack({ dataDir, port: 0, rootKey, ...retentionFromEnv(process.env) });
    try {
      console.log(`fact tables refreshed in ${dataDir}: ${JSON.stringify(await refreshFactTables(stack.deps))}`);
    } finally {
      await stack.close();
    }
  } finally {
    lock.release();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
