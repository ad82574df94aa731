import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectWalkthroughOutput, runWalkthrough } from '../support/walkthrough.ts';
import { npmStart as startNpm, stop } from '../support/npm-start.ts';

const repo = resolve(import.meta.dirname, '../..');
let dataDir: string;

/** `npm start` on a free port and this test's data folder, with no root key set. */
const npmStart = () => startNpm({ PORT: '0', SYNCTRAIL_DATA_DIR: dataDir, SYNCTRAIL_ROOT_KEY: '' });

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'synctrail-e2e-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start, as a new user runs it', () => {
  it('serves the README walkthrough, prints the root key once, and keeps everything across a restart', async () => {
    // Arrange
    const first = await npmStart();
    let key: string;
    try {
      const rootKey = readFileSync(join(dataDir, 'root-key'), 'utf8').trim();
      expect(first.output()).toContain(rootKey);

      // Act
      const run = await runWalkthrough(first.url, rootKey);

      // Assert
      key = expectWalkthroughOutput(run);

      // The analyst's tools, against the running server's data.
      const env = { ...process.env, PORT: new URL(first.url).port, SYNCTRAIL_DATA_DIR: dataDir };
      const facts = spawnSync('npm', ['run', '-s', 'facts'], { cwd: repo, env, encoding: 'utf8', timeout: 60_000 });
      expect(facts.status, facts.stderr).toBe(0);
      expect(facts.stdout).toContain('fact tables refreshed by the server');
      expect(facts.stdout).toContain('"destinations":1');
      const query = spawnSync('npm', ['run', '-s', 'sql', '--', '--file', 'infra/sql/rejected-records-by-error.sql', 'acme', 'hv-customers-meta', 'run-2026-11-23'], { cwd: repo, env, encoding: 'utf8', timeout: 60_000 });
      expect(query.status, query.stderr).toBe(0);
      expect(query.stdout).toMatch(/Invalid email format\s+\["bob@example"\]/);
      const joined = spawnSync('npm', ['run', '-s', 'sql', '--', 'SELECT d.name FROM sync_log l JOIN destinations d ON d.id = l.destination_id GROUP BY 1', '--json'], { cwd: repo, env, encoding: 'utf8', timeout: 60_000 });
      expect(joined.stdout.trim()).toBe('{"name":"Meta Ads — Main Account"}');
    } finally {
      await stop(first);
    }

    // Act: start again on the same data.
    const second = await npmStart();
    try {
      const rootKey = readFileSync(join(dataDir, 'root-key'), 'utf8').trim();
      expect(second.output()).not.toContain(rootKey);
      const org = await fetch(`${second.url}/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${rootKey}`, 'content-type': 'application/json' }, body: '{"orgId":"acme"}' });
      expect(org.status).toBe(409);
      const runs = (await (await fetch(`${second.url}/v1/runs`, { headers: { authorization: `Bearer ${key}` } })).json()) as { items: unknown[] };
      expect(runs.items).toEqual([expect.objectContaining({ runId: 'run-2026-11-23', status: 'partial_complete', itemsTotal: 3, itemsProcessed: 1 })]);
      const destinations = (await (await fetch(`${second.url}/v1/destinations`, { headers: { authorization: `Bearer ${key}` } })).json()) as { items: Array<{ status: string }> };
      expect(destinations.items[0]!.status).toBe('partial_complete');
    } finally {
      await stop(second);
    }
  }, 120_000);
});
