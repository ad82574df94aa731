import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_DAYS, type DemoResult } from './demo-data.ts';
import { LOCAL_DEMO_PATH } from './local-stack.ts';
import { findInstance, instanceLine, shownDir } from './instance.ts';

/**
 * `npm run demo [orgId]`: fill a running `npm start` with a demo org (syncs to Meta Ads,
 * Google Ads and Shopify, a week of runs with failures, a dead-letter queue) and print its
 * admin key to sign in to the console with.
 */
async function main() {
  // The same PORT and SYNCTRAIL_DATA_DIR as npm start; BASE for a SyncTrail elsewhere.
  const found = findInstance(process.env, { urlVar: 'BASE' });
  const { dataDir, url: base } = found;
  const keyFile = join(dataDir, 'root-key');
  const rootKey = process.env.SYNCTRAIL_ROOT_KEY?.trim() || (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (!rootKey) throw new Error(`no root key in ${shownDir(dataDir)}: start SyncTrail once with npm start (or set SYNCTRAIL_DATA_DIR, or SYNCTRAIL_ROOT_KEY)`);
  console.log(instanceLine(found, 'BASE'));
  const orgId = process.argv[2] ?? 'demo';
  const started = Date.now();
  const response = await fetch(`${base}${LOCAL_DEMO_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rootKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ orgId }),
  }).catch(() => {
    throw new Error(`nothing answers at ${base}: start SyncTrail with npm start first (or set PORT, or SYNCTRAIL_DATA_DIR to the folder of the one running)`);
  });
  const text = await response.text();
  if (response.status === 409) throw new Error(`org "${orgId}" exists already; name another: npm run demo -- demo2`);
  if (!response.ok) throw new Error(`the server answered ${response.status}: ${text}`);
  const result = JSON.parse(text) as DemoResult;
  console.log(`demo org "${result.orgId}": ${result.syncs} syncs, ${result.runs} runs over ${DEMO_DAYS} days (${Date.now() - started} ms)`);
  console.log(`open ${base}/ and sign in with this admin key (shown once):\n  ${result.adminKey}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
