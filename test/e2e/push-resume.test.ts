import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestStack, type Api, type TestStack } from '../support/local-stack.ts';
import { cliOrg, cliRecordLines, synctrail } from '../support/cli.ts';

const RECORDS = 25_000;

/**
 * `synctrail push … --run <id>` as README documents it: "Resume a push that stopped: the same
 * run id; batches already counted count once". A push is stopped the hard way (SIGKILL) or
 * cut short (a truncated file), then resumed with the whole file: every record counts once.
 */
describe('synctrail push --run resumes a push', () => {
  let stack: TestStack;
  let api: Api;
  let env: Record<string, string>;
  let dir: string;

  const run = (args: string[], onStart?: Parameters<typeof synctrail>[2]) => synctrail(args, env, onStart);

  const push = (file: string, runId: string, ...more: string[]) => run(['push', join(dir, file), '--sync', 'hv-meta', '--run', runId, ...more]);
  const runOf = async (runId: string) => (await api.get(`/v1/runs/${runId}`, env.SYNCTRAIL_KEY)).body;

  /** Rows of the run's parquet files, and distinct identifiers among them (local SQL over the stack's data). */
  async function rowsOf(runId: string): Promise<{ rows: number; identifiers: number }> {
    const ran = await run(['sql', 'SELECT count(*) AS n, count(DISTINCT identifier) AS ids FROM sync_log WHERE run_id = ?', runId, '--data-dir', stack.dataDir, '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    const row = JSON.parse(ran.stdout.trim());
    return { rows: Number(row.n), identifiers: Number(row.ids) };
  }

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.url);
    env = await cliOrg(api, stack.url);
    dir = mkdtempSync(join(tmpdir(), 'synctrail-resume-'));
    const lines = cliRecordLines(RECORDS);
    writeFileSync(join(dir, 'run.ndjson'), `${lines.join('\n')}\n`);
    // The first 10,000 lines: ten whole batches of 1,000.
    writeFileSync(join(dir, 'first-10000.ndjson'), `${lines.slice(0, 10_000).join('\n')}\n`);
    // The first 10,500 lines: ten whole batches and half of the eleventh.
    writeFileSync(join(dir, 'first-10500.ndjson'), `${lines.slice(0, 10_500).join('\n')}\n`);
  }, 60_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stack?.stop();
  });

  it('pushing the same file again with the same --run exits 0 and counts every record once (inline and by upload)', async () => {
    // Arrange: batches of 12,000 go by upload, the last 1,000 inline
    const first = await push('run.ndjson', 'again-1', '--batch-size', '12000');
    expect(first.code, first.stderr).toBe(0);

    // Act
    const again = await push('run.ndjson', 'again-1', '--batch-size', '12000');

    // Assert
    expect(again.code, `${again.stderr}\n${again.stdout}`).toBe(0);
    expect(again.stderr).toContain('run again-1 of hv-meta resumed (already partial_complete)');
    expect(again.stdout).toContain('25,000 records in 3 batches: 24,750 succeeded, 250 failed (3 batches already counted, not sent again)');
    expect(again.stdout).toContain('run again-1: partial_complete, 24,750 of 25,000 processed (99.0%)');
    expect(await runOf('again-1')).toMatchObject({
      status: 'partial_complete',
      itemsTotal: RECORDS,
      itemsFailed: 250,
      batchCount: 3,
      records: { received: RECORDS, succeeded: 24_750, failed: 250 },
    });
    expect(await rowsOf('again-1')).toEqual({ rows: RECORDS, identifiers: RECORDS });
  }, 120_000);

  it('a push killed (SIGKILL) after its first batches, resumed with the whole file, counts every record once', async () => {
    // Arrange: 25 inline batches of 1,000; the CLI is stopped dead once five are counted
    let countedAtKill = -1;
    const killed = await run(['push', join(dir, 'run.ndjson'), '--sync', 'hv-meta', '--run', 'killed-1', '--batch-size', '1000', '--concurrency', '2'], (child) => {
      let asking = false;
      const watch = setInterval(async () => {
        if (asking || countedAtKill >= 0) return;
        asking = true;
        const run = await api.get('/v1/runs/killed-1', env.SYNCTRAIL_KEY).catch(() => undefined);
        asking = false;
        if (run?.status === 200 && run.body.batchCount >= 5 && countedAtKill < 0) {
          countedAtKill = run.body.batchCount;
          child.kill('SIGKILL');
        }
      }, 25);
      child.on('close', () => clearInterval(watch));
    });
    expect(killed.signal, `the push was not stopped half-way:\n${killed.stderr}\n${killed.stdout}`).toBe('SIGKILL');
    const stopped = await runOf('killed-1');
    expect(stopped.status).toBe('running');
    expect(stopped.batchCount).toBeLessThan(25);

    // Act
    const resumed = await push('run.ndjson', 'killed-1', '--batch-size', '1000', '--concurrency', '2');

    // Assert
    expect(resumed.code, `${resumed.stderr}\n${resumed.stdout}`).toBe(0);
    expect(resumed.stderr).toContain('run killed-1 of hv-meta resumed');
    const skipped = Number(/\((\d+) batches already counted, not sent again\)/.exec(resumed.stdout)?.[1]);
    expect(skipped).toBeGreaterThanOrEqual(countedAtKill);
    expect(skipped).toBeLessThan(25);
    expect(resumed.stdout).toContain('25,000 records in 25 batches: 24,750 succeeded, 250 failed');
    expect(await runOf('killed-1')).toMatchObject({ status: 'partial_complete', itemsTotal: RECORDS, itemsFailed: 250, batchCount: 25, records: { received: RECORDS } });
    expect(await rowsOf('killed-1')).toEqual({ rows: RECORDS, identifiers: RECORDS });
    console.log(`[push-resume] killed with ${countedAtKill} batches counted; the resume skipped ${skipped}`);
  }, 120_000);

  it('a push cut short by a truncated file (left open), resumed with the whole file, counts every record once', async () => {
    // Arrange
    const partial = await push('first-10000.ndjson', 'cut-1', '--batch-size', '1000', '--no-complete');
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stdout).toContain('run cut-1 left open');

    // Act
    const resumed = await push('run.ndjson', 'cut-1', '--batch-size', '1000');

    // Assert
    expect(resumed.code, `${resumed.stderr}\n${resumed.stdout}`).toBe(0);
    expect(resumed.stderr).toContain('run cut-1 of hv-meta resumed');
    expect(resumed.stdout).toContain('25,000 records in 25 batches: 24,750 succeeded, 250 failed (10 batches already counted, not sent again)');
    expect(await runOf('cut-1')).toMatchObject({ status: 'partial_complete', itemsTotal: RECORDS, itemsFailed: 250, batchCount: 25, records: { received: RECORDS } });
    expect(await rowsOf('cut-1')).toEqual({ rows: RECORDS, identifiers: RECORDS });
  }, 120_000);

  it('refuses to resume with a file whose batch differs from the one counted (cut mid-batch), and counts nothing twice', async () => {
    // Arrange: batch 10 was counted with 500 records
    const partial = await push('first-10500.ndjson', 'cut-2', '--batch-size', '1000', '--no-complete');
    expect(partial.code, partial.stderr).toBe(0);

    // Act
    const resumed = await push('run.ndjson', 'cut-2', '--batch-size', '1000');

    // Assert
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain('batch records_updated.10 was already counted with 500 records, but this push has 1000 for it');
    expect(resumed.stderr).toContain('--run cut-2');
    const run = await runOf('cut-2');
    expect(run.status).toBe('running');
    // Batches after the tenth may have gone out beside it before the push stopped; none twice.
    expect(run.records.received).toBe(10_500 + 1_000 * (run.batchCount - 11));
    expect(await rowsOf('cut-2')).toEqual({ rows: run.records.received, identifiers: run.records.received });
  }, 120_000);
});
