import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ESBUILD_OPTIONS, esbuildExternals, FUNCTION_ENTRIES, MAX_BUNDLE_BYTES } from '../../../infra/constructs/bundling.ts';

/** One function's bundle as the benchmark builds it (the same options as the CDK app's). */
async function bundle(entry: (typeof FUNCTION_ENTRIES)[number]): Promise<string> {
  const result = await build({ ...ESBUILD_OPTIONS, entryPoints: [`functions/${entry}.ts`], write: false, outfile: 'index.mjs', external: esbuildExternals(entry), logLevel: 'silent' });
  return result.outputFiles.find((file) => file.path.endsWith('.mjs'))!.text;
}

// A string only the Slack and PagerDuty message builders have.
const MESSAGE_BUILDERS = 'Open in the SyncTrail console';

describe('webhook delivery code in the bundles', () => {
  it('is in the functions that deliver (webhook delivery, admin for test-sends), and not in the query API, which is closest to the 1 MiB budget', async () => {
    // Act
    const [query, admin, delivery] = await Promise.all([bundle('api/query'), bundle('api/admin'), bundle('jobs/deliver-webhooks')]);

    // Assert
    expect(query).not.toContain(MESSAGE_BUILDERS);
    expect(admin).toContain(MESSAGE_BUILDERS);
    expect(delivery).toContain(MESSAGE_BUILDERS);
    for (const code of [query, admin, delivery]) expect(Buffer.byteLength(code)).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
  }, 60_000);
});

// A message only hyparquet-writer's bloom-filter writer has (every tracking file has bloom filters).
const WRITER_MARK = 'bloom filter fpp must be in (0, 1)';

describe('parquet writer code in the bundles', () => {
  it('is in the functions that write tracking files (ingest, the converter, the fact-table job), not in the APIs that only read them', async () => {
    // Act
    const [query, admin, ingest, facts] = await Promise.all([bundle('api/query'), bundle('api/admin'), bundle('api/ingest'), bundle('jobs/refresh-facts')]);

    // Assert
    const writes = (code: string) => code.includes(WRITER_MARK);
    expect([writes(query), writes(admin), writes(ingest), writes(facts)]).toEqual([false, false, true, true]);
  }, 60_000);
});
