import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { isAbsolute, join, relative, resolve } from 'node:path';

/**
 * Which local SyncTrail a command means: `npm start` and every helper (`npm run demo`,
 * `npm run facts`, `npm run sql`, the `synctrail` CLI) read the same settings through here, and
 * `npm start` keeps a lock file in its data folder that tells them where it is listening.
 */

export const DEFAULT_PORT = 4300;
export const DEFAULT_DATA_DIR = '.synctrail';

export interface LocalSettings {
  /** `PORT`, or 4300; 0 picks a free port (npm start only). */
  port: number;
  /** Whether `PORT` was set (to something other than 0): then it names the instance, not the lock file. */
  portSet: boolean;
  /** `SYNCTRAIL_DATA_DIR`, or `./.synctrail`, resolved. */
  dataDir: string;
}

/** The port and data folder `npm start` uses, and every helper looks for. */
export function localSettings(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const raw = env.PORT?.trim();
  const port = raw ? Number(raw) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${env.PORT}`);
  return { port, portSet: Boolean(raw) && port !== 0, dataDir: resolve(env.SYNCTRAIL_DATA_DIR?.trim() || DEFAULT_DATA_DIR) };
}

/** A folder as a user typed it: `./.synctrail` when under the current folder, else its full path. */
export function shownDir(dir: string): string {
  const rel = relative(process.cwd(), dir);
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? dir : `./${rel}`;
}

/** The lock file a running `npm start` keeps in its data folder. */
export const lockFile = (dataDir: string) => join(dataDir, 'instance.lock');

export interface InstanceLock {
  pid: number;
  /** The port asked for (0: any), then the one listened on. */
  port: number;
  /** Where it answers, once it listens. */
  url?: string;
  dataDir: string;
  /** `npm start`, or `npm run facts` when that opened the stores itself. */
  command: string;
  startedAt: string;
}

function readLock(file: string): { lock?: InstanceLock; raw?: string; ageMs?: number } {
  let raw: string;
  let ageMs: number;
  try {
    raw = readFileSync(file, 'utf8');
    ageMs = Date.now() - statSync(file).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const lock = JSON.parse(raw) as InstanceLock;
    return Number.isInteger(lock.pid) ? { lock, raw, ageMs } : { raw, ageMs };
  } catch {
    return { raw, ageMs };
  }
}

/**
 * Whether `pid` is a live process: not this one (a container restarted gets its old pid back),
 * and on Linux a Node process, not a zombie or an unrelated program that got the pid later.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /node|tsx/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true;
  }
}

/** The SyncTrail holding this data folder's lock, when it is still alive. */
export function runningInstance(dataDir: string): InstanceLock | undefined {
  const { lock } = readLock(lockFile(dataDir));
  return lock && processAlive(lock.pid) ? lock : undefined;
}

/** One line for a second start that finds the folder taken. */
export function inUseMessage(lock: InstanceLock): string {
  const folder = shownDir(lock.dataDir);
  if (lock.command !== 'npm start') return `${lock.command} (pid ${lock.pid}) is using data folder ${folder}; wait for it to finish`;
  if (!lock.url) return `SyncTrail is already starting (pid ${lock.pid}), data folder ${folder} in use`;
  return `SyncTrail is already running on ${lock.url} (pid ${lock.pid}), data folder ${folder} in use`;
}

/** Thrown when another live process holds the data folder; its message is the one line to print. */
export class InstanceInUseError extends Error {
  constructor(readonly holder: InstanceLock) {
    super(inUseMessage(holder));
    this.name = 'InstanceInUseError';
  }
}

export interface HeldLock {
  file: string;
  /** Records where this process listens, for the helpers (and a second start) to read. */
  listening(url: string, port: number): void;
  /** Removes the lock if it is still this process's. Safe to call twice. */
  release(): void;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Takes the data folder's lock: created with `wx`, so of two starts only one gets it. A lock
 * whose process is gone (killed, machine restarted) is taken over, and `say` is told in one line;
 * a live one throws InstanceInUseError. Released on exit, however the process ends but SIGKILL.
 */
export async function acquireInstanceLock(dataDir: string, options: { port: number; command?: string; say?: (line: string) => void }): Promise<HeldLock> {
  const file = lockFile(dataDir);
  const mine: InstanceLock = { pid: process.pid, port: options.port, dataDir, command: options.command ?? 'npm start', startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o600 });
      return hold(file, mine);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = readLock(file);
    if (held.raw === undefined) continue; // removed meanwhile: try again
    if (held.lock && processAlive(held.lock.pid)) throw new InstanceInUseError(held.lock);
    // Unreadable and young: another start created it and is still writing it.
    if (!held.lock && (held.ageMs ?? 0) < 2000) {
      await sleep(50);
      continue;
    }
    // Stale. Two starts may find it so at once: only the one holding the takeover file removes
    // it, and only if it is still the stale one, so neither removes the lock the other just took.
    const guard = `${file}.takeover`;
    try {
      writeFileSync(guard, `${process.pid}\n`, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const guardAge = (() => {
        try {
          return Date.now() - statSync(guard).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if (guardAge > 5000) rmQuiet(guard);
      await sleep(50);
      continue;
    }
    try {
      if (readLock(file).raw === held.raw) {
        unlinkSync(file);
        options.say?.(
          held.lock
            ? `taking over the lock of SyncTrail pid ${held.lock.pid}, which is no longer running (${shownDir(lockFile(dataDir))})`
            : `taking over an unreadable lock file (${shownDir(file)})`,
        );
      }
    } finally {
      rmQuiet(guard);
    }
  }
  throw new Error(`could not take the lock ${file}; if no SyncTrail runs on ${dataDir}, delete it`);
}

function rmQuiet(file: string) {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}

function hold(file: string, mine: InstanceLock): HeldLock {
  let released = false;
  const ours = () => readLock(file).lock?.pid === process.pid;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (ours()) rmQuiet(file);
  };
  process.on('exit', release);
  return {
    file,
    listening(url, port) {
      if (!ours()) return;
      const temp = `${file}.tmp-${process.pid}`;
      writeFileSync(temp, `${JSON.stringify({ ...mine, port, url })}\n`, { mode: 0o600 });
      renameSync(temp, file);
    },
    release,
  };
}

/**
 * Why `npm start` cannot listen on `port`, in one line, or undefined when it can. A SyncTrail
 * there (on another data folder) says which one; anything else is "another program".
 */
export async function portProblem(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  if (port === 0) return undefined;
  const error = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => done(e));
    probe.listen(port, host, () => probe.close(() => done(undefined)));
  });
  if (!error) return undefined;
  return describePortError(error, port, host);
}

/** The one line for an error listening on `port` (EADDRINUSE, EACCES), or the error's own message. */
export async function describePortError(error: NodeJS.ErrnoException, port: number, host = '127.0.0.1'): Promise<string> {
  if (error.code === 'EACCES') return `port ${port} needs privileges on this machine: set PORT to a port above 1023`;
  if (error.code !== 'EADDRINUSE') return error.message;
  const other = await instanceAt(`http://${host}:${port}`);
  if (other) return `SyncTrail is already running on ${other.url} (pid ${other.pid}, data folder ${shownDir(other.dataDir)}); stop it, or set PORT to run another one`;
  return `port ${port} is in use by another program (not SyncTrail): stop it, or set PORT to a free port`;
}

/** Local mode's own answer to "who are you" (GET /_local/instance), or undefined when what answers is not SyncTrail. */
export async function instanceAt(base: string, timeoutMs = 1500): Promise<{ pid: number; dataDir: string; url: string } | undefined> {
  // A timer of our own, not AbortSignal.timeout's: that one does not keep the process alive, and
  // a process with nothing else to do would end here, silently, with exit code 0.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(`${base}${LOCAL_INSTANCE_PATH}`, { signal: controller.signal });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { service?: string; pid?: number; dataDir?: string; url?: string };
    return body.service === 'synctrail' && typeof body.pid === 'number' && typeof body.dataDir === 'string' ? { pid: body.pid, dataDir: body.dataDir, url: body.url ?? base } : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

export const LOCAL_INSTANCE_PATH = '/_local/instance';

export interface FoundInstance {
  /** Where to send requests. */
  url: string;
  dataDir: string;
  /** Where the URL came from, for the line a helper prints. */
  source: 'env' | 'lock' | 'port';
  /** The lock's holder, when one is alive. */
  running?: InstanceLock;
}

/**
 * The instance a helper talks to: an explicit URL (`urlVar`, e.g. BASE or SYNCTRAIL_URL) first,
 * then `PORT` when set, then the URL the data folder's lock file records, then port 4300.
 */
export function findInstance(env: NodeJS.ProcessEnv = process.env, options: { urlVar?: string; dataDir?: string } = {}): FoundInstance {
  const settings = localSettings(env);
  const dataDir = options.dataDir ? resolve(options.dataDir) : settings.dataDir;
  const running = runningInstance(dataDir);
  const extra = running ? { running } : {};
  const explicit = options.urlVar ? env[options.urlVar]?.trim() : undefined;
  if (explicit) return { url: explicit.replace(/\/+$/, ''), dataDir, source: 'env', ...extra };
  if (settings.portSet) return { url: `http://127.0.0.1:${settings.port}`, dataDir, source: 'port', ...extra };
  if (running?.url) return { url: running.url, dataDir, source: 'lock', running };
  return { url: `http://127.0.0.1:${settings.port}`, dataDir, source: 'port', ...extra };
}

/** The line a helper prints: which instance and data folder it uses. */
export function instanceLine(found: FoundInstance, urlVar?: string): string {
  const folder = shownDir(found.dataDir);
  // A URL given outright may be a deployment: its data folder is none of ours.
  if (found.source === 'env') return `using ${found.url} (from ${urlVar ?? 'the environment'})`;
  if (found.source === 'lock') return `using SyncTrail on ${found.url} (pid ${found.running!.pid}), data folder ${folder}`;
  if (found.running?.url && found.running.url !== found.url) return `using ${found.url} (PORT), data folder ${folder} (whose SyncTrail runs on ${found.running.url})`;
  return `using ${found.url}, data folder ${folder}${found.running ? '' : ' (no SyncTrail running on it)'}`;
}
