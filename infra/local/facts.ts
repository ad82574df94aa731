import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { refreshFactTables } from '#domain/facts.ts';
import { retentionFromEnv } from '#adapters/settings.ts';
import { LOCAL_FACTS_PATH, startLocalStack } from './local-stack.ts';

/**
 * `npm run facts`: rewrite the fact tables now. Asks the running `npm start` when there is
 * one (its database is not shared between processes); otherwise starts the stores itself.
 */
async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dataDir = resolve(process.env.SYNCTRAIL_DATA_DIR ?? '.synctrail');
  const keyFile = join(dataDir, 'root-key');
  const rootKey = process.env.SYNCTRAIL_ROOT_KEY?.trim() || (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (!rootKey) throw new Error(`no root key: start local mode once (npm start) or set SYNCTRAIL_ROOT_KEY`);
  const base = `http://127.0.0.1:${process.env.PORT ?? 4300}`;
  const running = await fetch(`${base}${LOCAL_FACTS_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${rootKey}` } }).catch(() => undefined);
  if (running) {
    const body = await running.text();
    if (!running.ok) throw new Error(`the running server answered ${running.status}: ${body}`);
    console.log(`fact tables refreshed by the server at ${base}: ${body}`);
    return;
  }
  const stack = await startLocalStack({ dataDir, port: 0, rootKey, ...retentionFromEnv(process.env) });
  try {
    console.log(`fact tables refreshed in ${dataDir}: ${JSON.stringify(await refreshFactTables(stack.deps))}`);
  } finally {
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
