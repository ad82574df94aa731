import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { cliOrg, cliRecordLines, synctrail } from '../support/cli.ts';

describe('synctrail CLI against local mode', () => {
  let stack: TestStack;
  let api: Api;
  let env: Record<string, string>;
  let dir: string;
  const RECORDS = 25_000;

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.url);
    env = await cliOrg(api, stack.url);
    dir = mkdtempSync(join(tmpdir(), 'synctrail-cli-'));
    // 25,000 records of ~400 bytes: batches of 12,000 are over the inline limit and go by upload.
    const lines = cliRecordLines(RECORDS);
    writeFileSync(join(dir, 'run.ndjson'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'broken.ndjson'), '{"identifier":"a","payload":{},"status":"succeeded"}\n{"identifier": oops}\n');
  }, 60_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  });

  it('pushes an NDJSON file as a run, large batches by upload, with progress, and completes it', async () => {
    // Act
    const ran = await synctrail(['push', join(dir, 'run.ndjson'), '--sync', 'hv-meta', '--run', 'cli-1', '--batch-size', '12000'], env);

    // Assert
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toContain('run cli-1 of hv-meta started');
    expect(ran.stderr).toMatch(/100% 25,000 records · 3 batches \(2 by upload\)/);
    expect(ran.stdout).toContain('25,000 records in 3 batches: 24,750 succeeded, 250 failed');
    expect(ran.stdout).toContain('run cli-1: partial_complete, 24,750 of 25,000 processed (99.0%)');
    const run = await api.get('/v1/runs/cli-1', env.SYNCTRAIL_KEY);
    expect(run.body).toMatchObject({ status: 'partial_complete', itemsTotal: RECORDS, itemsFailed: 250, batchCount: 3 });
  }, 60_000);

  it('completes with the source count and says how many rows were never reported', async () => {
    // Arrange: 3 records of the 5 rows the source had
    const file = join(dir, 'short.ndjson');
    writeFileSync(file, ['a', 'b', 'c'].map((id) => JSON.stringify({ identifier: id, payload: {}, status: 'succeeded' })).join('\n'));

    // Act
    const ran = await synctrail(['push', file, '--sync', 'hv-meta', '--run', 'cli-short', '--source-count', '5'], env);

    // Assert
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('run cli-short: complete, 3 of 3 processed (100.0%)\n2 of 5 rows extracted were never reported');
    expect((await api.get('/v1/runs/cli-short', env.SYNCTRAIL_KEY)).body).toMatchObject({ sourceCount: 5, unaccountedCount: 2 });
    const refused = await synctrail(['push', file, '--sync', 'hv-meta', '--source-count', '-1'], env);
    expect(refused.code).toBe(2);
  }, 60_000);

  it('lists recent runs, shows failed records with the fix, and follows one identifier', async () => {
    const runs = await synctrail(['runs', '--limit', '5'], env);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(/High-value customers\s+Meta Ads — Main\s+partial_complete\s+24,750\/25,000\s+99\.0%\s+cli-1/);

    const failed = await synctrail(['failed', 'cli-1', '--limit', '3'], env);
    expect(failed.code).toBe(0);
    expect(failed.stdout).toContain('250 of 25,000 failed');
    expect(failed.stdout).toMatch(/250\s+data\s+Invalid email format\s+docs\/errors\.md#invalid-format/);
    expect(failed.stdout).toMatch(/user\d+07@example\s+rejected\s+Invalid email format/);

    const timeline = await synctrail(['timeline', 'user7@example'], env);
    expect(timeline.stdout).toMatch(/Meta Ads — Main \(High-value customers\)\s+rejected\s+Invalid email format/);
  });

  it("runs local SQL over the stack's files", async () => {
    const ran = await synctrail(['sql', 'SELECT status, count(*) AS n FROM sync_log WHERE run_id = ? GROUP BY 1 ORDER BY 1', 'cli-1', '--data-dir', stack.dataDir, '--json'], env);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
      { status: 'rejected', n: '250' },
      { status: 'succeeded', n: '24750' },
    ]);
  });

  it('follows runs as they start and finish, lined up under the header, until Ctrl-C (exit 130)', async () => {
    // Arrange
    const child = spawn(process.execPath, ['bin/synctrail.mjs', 'runs', '--follow', '--interval', '0.2', '--limit', '3'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    const closed = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    try {
      await expect.poll(() => stdout, { timeout: 15_000 }).toContain('cli-1');

      // Act: a new run starts, then completes; then Ctrl-C
      await api.post('/v1/syncs/hv-meta/runs', env.SYNCTRAIL_KEY, { runId: 'cli-live' });
      await expect.poll(() => stdout, { timeout: 10_000 }).toMatch(/running\s+0\/0.*cli-live/);
      await api.post('/v1/runs/cli-live/complete', env.SYNCTRAIL_KEY, {});
      await expect.poll(() => stdout, { timeout: 10_000 }).toMatch(/complete\s+0\/0.*cli-live/);
      child.kill('SIGINT');

      // Assert: every followed row's columns start where the header's do
      expect(await closed).toBe(130);
      const lines = stdout.split('\n');
      const header = lines.find((line) => line.startsWith('started (UTC)'))!;
      const followed = lines.filter((line) => line.includes('cli-live'));
      expect(followed).toHaveLength(2);
      for (const line of followed) {
        for (const [column, cell] of [['status', / (running|complete) /], ['processed', / 0\/0 /], ['run', / cli-live/]] as const) {
          expect(line.search(cell) + 1, `${column} in ${JSON.stringify(line)}`).toBe(header.indexOf(column));
        }
      }
    } finally {
      child.kill();
    }
  }, 40_000);

  it('exits as the README says: 0 done, 1 failed with the API message, 2 wrong usage', async () => {
    // Act
    const done = await synctrail(['runs', '--limit', '1'], env);
    const help = await synctrail(['runs', '--help'], env);
    const noCommand = await synctrail([], env);
    const unknownCommand = await synctrail(['nope'], env);
    const badOption = await synctrail(['runs', '--limit', 'many'], env);
    const apiFailure = await synctrail(['failed', 'no-such-run'], env);
    // Assert
    expect([done.code, help.code]).toEqual([0, 0]);
    expect([noCommand.code, unknownCommand.code, badOption.code]).toEqual([2, 2, 2]);
    expect(noCommand.stderr).toContain('Usage: synctrail');
    expect(unknownCommand.stderr).toContain("unknown command 'nope'");
    expect(badOption.stderr).toContain('limit must be a whole number');
    expect(apiFailure.code).toBe(1);
    expect(apiFailure.stderr).toContain('synctrail: 404 run no-such-run not found');
  }, 30_000);

  it('says clearly what went wrong: usage (exit 2), no key, an unknown sync, a bad line (exit 1, run left open)', async () => {
    const usage = await synctrail(['push', join(dir, 'run.ndjson')], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("required option '-s, --sync <syncId>' not specified");

    const noKey = await synctrail(['runs'], { SYNCTRAIL_URL: stack.url, SYNCTRAIL_KEY: '' });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('no key');

    const unknown = await synctrail(['push', join(dir, 'run.ndjson'), '--sync', 'nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('404 sync nope not found');

    const broken = await synctrail(['push', join(dir, 'broken.ndjson'), '--sync', 'hv-meta', '--run', 'cli-broken'], env);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('line 2 is not valid JSON');
    expect(broken.stderr).toContain('--run cli-broken');
    expect((await api.get('/v1/runs/cli-broken', env.SYNCTRAIL_KEY)).body.status).toBe('running');
  }, 30_000);
});
