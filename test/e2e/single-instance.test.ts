import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/crash-harness.ts';
import { npmStart, npmStartExit, stop, type Started } from '../support/npm-start.ts';

const ROOT_KEY = 'str_single-instance-root-key-0123';
let tmp: string;
let dataDir: string;
let port: number;
let first: Started | undefined;

const env = (overrides: Record<string, string> = {}) => ({ PORT: String(port), SYNCTRAIL_DATA_DIR: dataDir, SYNCTRAIL_ROOT_KEY: ROOT_KEY, ...overrides });
const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'instance.lock'), 'utf8')) as { pid: number; port: number; url: string };
/** What the script itself printed: npm's own `> synctrail@… start` header lines left out. */
const lines = (text: string) => text.split('\n').filter((line) => line.trim() && !line.startsWith('> '));

async function stillServes(url: string, pid: number) {
  const instance = await fetch(`${url}/_local/instance`);
  expect(await instance.json()).toMatchObject({ service: 'synctrail', pid, dataDir });
  const orgs = await fetch(`${url}/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${ROOT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ orgId: `org-${Date.now()}` }) });
  expect(orgs.status).toBe(201);
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'synctrail-single-'));
  dataDir = join(tmp, 'data');
  port = await freePort();
  first = await npmStart(env());
}, 90_000);
afterAll(async () => {
  if (first) await stop(first);
  rmSync(tmp, { recursive: true, force: true });
});

describe('one SyncTrail per data folder and port', () => {
  it('records pid, port and URL in the data folder', () => {
    expect(lockOf(dataDir)).toMatchObject({ port, url: `http://127.0.0.1:${port}`, dataDir });
  });

  it('a second npm start on the same port and folder exits at once with one line; the first keeps serving', async () => {
    // Act
    const second = await npmStartExit(env());

    // Assert
    expect(second.code).not.toBe(0);
    expect(second.ms).toBeLessThan(15_000);
    const { pid } = lockOf(dataDir);
    expect(lines(second.stderr)).toEqual([`SyncTrail is already running on http://127.0.0.1:${port} (pid ${pid}), data folder ${dataDir} in use`]);
    expect(lines(second.stdout)).toEqual([]);
    await stillServes(first!.url, pid);
  }, 60_000);

  it('another port on the same folder is refused the same way', async () => {
    const second = await npmStartExit(env({ PORT: '0' }));
    expect(second.code).not.toBe(0);
    expect(lines(second.stderr)).toEqual([`SyncTrail is already running on http://127.0.0.1:${port} (pid ${lockOf(dataDir).pid}), data folder ${dataDir} in use`]);
  }, 60_000);

  it('the same port with another folder says which SyncTrail holds it, and leaves that folder untouched', async () => {
    const other = join(tmp, 'other');
    const second = await npmStartExit(env({ SYNCTRAIL_DATA_DIR: other }));
    expect(second.code).not.toBe(0);
    expect(lines(second.stderr)).toEqual([`SyncTrail is already running on http://127.0.0.1:${port} (pid ${lockOf(dataDir).pid}, data folder ${dataDir}); stop it, or set PORT to run another one`]);
    expect(existsSync(join(other, 'instance.lock'))).toBe(false);
    expect(existsSync(join(other, 'dynamodb'))).toBe(false);
  }, 60_000);

  it('a port held by another program gets one line too', async () => {
    // Arrange: a plain TCP server, not SyncTrail
    const server: Server = createServer((socket) => socket.destroy());
    const taken = await new Promise<number>((done) => server.listen(0, '127.0.0.1', () => done((server.address() as { port: number }).port)));
    try {
      // Act
      const second = await npmStartExit(env({ PORT: String(taken), SYNCTRAIL_DATA_DIR: join(tmp, 'third') }));

      // Assert
      expect(second.code, JSON.stringify(second)).not.toBe(0);
      expect(lines(second.stderr)).toEqual([`port ${taken} is in use by another program (not SyncTrail): stop it, or set PORT to a free port`]);
      expect(existsSync(join(tmp, 'third', 'instance.lock'))).toBe(false);
    } finally {
      server.close();
    }
  }, 60_000);

  it('takes over the lock of a process killed with SIGKILL, and removes its own on a clean stop', async () => {
    // Arrange: kill -9 leaves the lock behind
    const killedPid = lockOf(dataDir).pid;
    await stop(first!, 'SIGKILL');
    first = undefined;
    expect(lockOf(dataDir).pid).toBe(killedPid);

    // Act
    const again = await npmStart(env());
    try {
      // Assert
      expect(again.output()).toContain(`taking over the lock of SyncTrail pid ${killedPid}, which is no longer running`);
      const { pid } = lockOf(dataDir);
      expect(pid).not.toBe(killedPid);
      await stillServes(again.url, pid);
    } finally {
      await stop(again);
    }
    expect(existsSync(join(dataDir, 'instance.lock'))).toBe(false);
  }, 90_000);
});
