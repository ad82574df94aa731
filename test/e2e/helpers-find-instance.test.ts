import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmStart, stop, type Started } from '../support/npm-start.ts';

const repo = resolve(import.meta.dirname, '../..');
let tmp: string;
let dataDir: string;
let started: Started | undefined;
let pid: number;

/** The parent's environment without any PORT or SyncTrail setting: the helpers find the instance alone. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (name !== 'PORT' && !name.startsWith('SYNCTRAIL_')) env[name] = value;
  return { ...env, ...extra };
}

function run(command: string, args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: repo, env: baseEnv({ SYNCTRAIL_DATA_DIR: dataDir, ...extra }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
const npmRun = (script: string, args: string[] = [], extra: Record<string, string> = {}) => run('npm', ['run', '-s', script, ...(args.length ? ['--', ...args] : [])], extra);
const cli = (args: string[], extra: Record<string, string> = {}) => run(process.execPath, ['bin/synctrail.mjs', ...args], extra);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'synctrail-helpers-'));
  dataDir = join(tmp, 'data');
  // PORT=0: a free port nobody else knows, so only the lock file can tell the helpers where it is.
  started = await npmStart({ PORT: '0', SYNCTRAIL_DATA_DIR: dataDir, SYNCTRAIL_ROOT_KEY: '' });
  pid = ((await (await fetch(`${started.url}/_local/instance`)).json()) as { pid: number }).pid;
}, 90_000);
afterAll(async () => {
  if (started) await stop(started);
  rmSync(tmp, { recursive: true, force: true });
});

describe('the helpers find the running SyncTrail from PORT and SYNCTRAIL_DATA_DIR, as npm start reads them', () => {
  let adminKey: string;

  it('npm run sql says plainly that a folder has no Sync Logs yet, and which folder and instance it read', async () => {
    // Act
    const ran = await npmRun('sql', ['SELECT run_id FROM sync_log WHERE run_id = ?', 'nope']);
    const counted = await npmRun('sql', ['SELECT count(*) AS n FROM sync_log', '--json']);

    // Assert
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe('');
    expect(counted.stdout.trim()).toBe('{"n":"0"}');
    expect(counted.stderr).toContain(`no Sync Logs data in ${dataDir} yet`);
    expect(ran.stderr.trim().split('\n')).toEqual([
      `SQL over data folder ${dataDir} (SyncTrail running on it: ${started!.url}, pid ${pid})`,
      `no Sync Logs data in ${dataDir} yet: start SyncTrail with npm start and send a run`,
    ]);
  });

  it('npm run sql on a folder that does not exist says so and fails', async () => {
    const missing = join(tmp, 'missing');
    const ran = await npmRun('sql', ['SELECT 1'], { SYNCTRAIL_DATA_DIR: missing });
    expect(ran.code).toBe(1);
    expect(ran.stderr.trim()).toBe(`synctrail: no data folder ${missing}: start SyncTrail with npm start and send a run, or point --data-dir (or SYNCTRAIL_DATA_DIR) at its folder`);
  });

  it('npm run demo loads into the instance the lock file names, and says which', async () => {
    // Act
    const ran = await npmRun('demo');

    // Assert
    expect(ran.code, ran.stderr).toBe(0);
    const lines = ran.stdout.trim().split('\n');
    expect(lines[0]).toBe(`using SyncTrail on ${started!.url} (pid ${pid}), data folder ${dataDir}`);
    expect(lines[1]).toMatch(/^demo org "demo": \d+ syncs, \d+ runs over \d+ days/);
    adminKey = /^\s+(\S+)$/.exec(lines.at(-1)!)![1]!;
  }, 120_000);

  it('npm run facts refreshes through that instance', async () => {
    const ran = await npmRun('facts');
    expect(ran.code, ran.stderr).toBe(0);
    const lines = ran.stdout.trim().split('\n');
    expect(lines[0]).toBe(`using SyncTrail on ${started!.url} (pid ${pid}), data folder ${dataDir}`);
    expect(lines[1]).toMatch(new RegExp(`^fact tables refreshed by the server at ${started!.url}: \\{`));
  }, 60_000);

  it('the CLI talks to it with no URL given, and says so on stderr only', async () => {
    // Act
    const runs = await cli(['runs', '--limit', '2', '--json'], { SYNCTRAIL_KEY: adminKey });

    // Assert
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stderr.trim()).toBe(`using SyncTrail on ${started!.url} (pid ${pid}), data folder ${dataDir}`);
    expect(runs.stdout.trim().split('\n').map((line) => JSON.parse(line))).toHaveLength(2);
    // --url wins, and says where it came from.
    const given = await cli(['runs', '--limit', '1', '--json', '--url', started!.url], { SYNCTRAIL_KEY: adminKey });
    expect(given.stderr.trim()).toBe(`using ${started!.url} (from --url)`);
    // PORT wins over the lock file, as it does for npm start.
    const port = await cli(['runs', '--limit', '1'], { SYNCTRAIL_KEY: adminKey, PORT: new URL(started!.url).port });
    expect(port.stderr.trim()).toBe(`using ${started!.url}, data folder ${dataDir}`);
  }, 60_000);

  it('npm run sql reads the data the demo sent', async () => {
    const ran = await npmRun('sql', ['SELECT count(*) > 0 AS some FROM sync_log', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout.trim()).toBe('{"some":"true"}');
  });

  it('npm run facts with no SyncTrail running takes the folder itself, and lets it go', async () => {
    // Arrange
    await stop(started!);
    started = undefined;

    // Act
    const ran = await npmRun('facts');

    // Assert
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain(`no SyncTrail running on data folder ${dataDir}: refreshing in this process`);
    expect(ran.stdout).toContain(`fact tables refreshed in ${dataDir}: {`);
    expect(existsSync(join(dataDir, 'instance.lock'))).toBe(false);
  }, 60_000);
});
