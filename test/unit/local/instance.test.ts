import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireInstanceLock, findInstance, InstanceInUseError, instanceLine, localSettings, lockFile } from '../../../infra/local/instance.ts';

let dir: string;
const dirs: string[] = [];
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synctrail-lock-'));
  dirs.push(dir);
});
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A live Node process other than this one, to hold a lock. */
function liveNode(): number {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}

/** The pid of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', 'process.pid']).pid!;

const writeLock = (pid: number, extra: Record<string, unknown> = {}) =>
  writeFileSync(lockFile(dir), JSON.stringify({ pid, port: 4300, url: 'http://127.0.0.1:4300', dataDir: dir, command: 'npm start', startedAt: new Date().toISOString(), ...extra }));

describe('localSettings', () => {
  it('reads PORT and SYNCTRAIL_DATA_DIR as npm start does', () => {
    expect(localSettings({})).toEqual({ port: 4300, portSet: false, dataDir: resolve('.synctrail') });
    expect(localSettings({ PORT: '4400', SYNCTRAIL_DATA_DIR: '/tmp/x' })).toEqual({ port: 4400, portSet: true, dataDir: '/tmp/x' });
    expect(localSettings({ PORT: '0' })).toMatchObject({ port: 0, portSet: false });
    expect(() => localSettings({ PORT: 'abc' })).toThrow('PORT must be a port number, not abc');
  });
});

describe('the data folder lock', () => {
  it('is created with pid and port, records the URL once listening, and is removed on release', async () => {
    const lock = await acquireInstanceLock(dir, { port: 0 });
    expect(JSON.parse(readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: process.pid, port: 0, dataDir: dir, command: 'npm start' });
    lock.listening('http://127.0.0.1:4321', 4321);
    expect(JSON.parse(readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: process.pid, port: 4321, url: 'http://127.0.0.1:4321' });
    lock.release();
    expect(existsSync(lockFile(dir))).toBe(false);
  });

  it('refuses a folder whose lock holder is alive, with the one line to print', async () => {
    const pid = liveNode();
    writeLock(pid);
    const error = await acquireInstanceLock(dir, { port: 4300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceInUseError);
    expect((error as Error).message).toBe(`SyncTrail is already running on http://127.0.0.1:4300 (pid ${pid}), data folder ${dir} in use`);
    expect(JSON.parse(readFileSync(lockFile(dir), 'utf8')).pid).toBe(pid);
  });

  it('takes over the lock of a process that is gone, and says so', async () => {
    const pid = deadPid();
    writeLock(pid);
    const said: string[] = [];
    const lock = await acquireInstanceLock(dir, { port: 4300, say: (line) => said.push(line) });
    expect(said).toEqual([`taking over the lock of SyncTrail pid ${pid}, which is no longer running (${lockFile(dir)})`]);
    expect(JSON.parse(readFileSync(lockFile(dir), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over an old unreadable lock, but waits on a fresh one (a start still writing it)', async () => {
    writeFileSync(lockFile(dir), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockFile(dir), old, old);
    const said: string[] = [];
    (await acquireInstanceLock(dir, { port: 0, say: (line) => said.push(line) })).release();
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^taking over an unreadable lock file/);
  });

  it('of four starts racing for a stale lock, exactly one wins', async () => {
    // Arrange: four processes, each taking the lock and holding it a moment
    writeLock(deadPid());
    const script = join(dir, 'take.ts');
    writeFileSync(
      script,
      `import { acquireInstanceLock } from ${JSON.stringify(resolve('infra/local/instance.ts'))};
       acquireInstanceLock(process.argv[2], { port: 0 }).then(() => { console.log('won'); setTimeout(() => {}, 1500); }, (e) => console.log(e.message));`,
    );
    const take = () =>
      new Promise<string>((done) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d));
        child.on('close', () => done(out.trim()));
      });

    // Act
    const outcomes = await Promise.all([take(), take(), take(), take()]);

    // Assert
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'won').every((o) => /^SyncTrail is already starting \(pid \d+\), data folder .* in use$/.test(o))).toBe(true);
  }, 30_000);
});

describe('findInstance', () => {
  it('takes an explicit URL, then PORT, then the running instance from the lock, then port 4300', () => {
    const pid = liveNode();
    writeLock(pid, { url: 'http://127.0.0.1:5555', port: 5555 });
    expect(findInstance({ SYNCTRAIL_DATA_DIR: dir, BASE: 'http://example.test/' }, { urlVar: 'BASE' })).toMatchObject({ url: 'http://example.test', source: 'env' });
    expect(findInstance({ SYNCTRAIL_DATA_DIR: dir, PORT: '4400' })).toMatchObject({ url: 'http://127.0.0.1:4400', source: 'port' });
    const found = findInstance({ SYNCTRAIL_DATA_DIR: dir });
    expect(found).toMatchObject({ url: 'http://127.0.0.1:5555', source: 'lock', running: { pid } });
    expect(instanceLine(found)).toBe(`using SyncTrail on http://127.0.0.1:5555 (pid ${pid}), data folder ${dir}`);
    const empty = mkdtempSync(join(tmpdir(), 'synctrail-lock-'));
    dirs.push(empty);
    const none = findInstance({ SYNCTRAIL_DATA_DIR: empty });
    expect(none).toMatchObject({ url: 'http://127.0.0.1:4300', source: 'port' });
    expect(instanceLine(none)).toBe(`using http://127.0.0.1:4300, data folder ${empty} (no SyncTrail running on it)`);
  });
});
