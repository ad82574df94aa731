import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');

export interface Started {
  child: ChildProcess;
  /** When every process of the group has let go of its output: npm, and the node it started. */
  closed: Promise<void>;
  url: string;
  output: () => string;
}

export interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `npm start` as a user runs it, in a process group of its own (so the test can stop or kill it whole). */
function spawnNpmStart(env: Record<string, string>): ChildProcess {
  return spawn('npm', ['start'], {
    cwd: repo,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `npm start` and waits for the line that says it listens. */
export function npmStart(env: Record<string, string>, timeoutMs = 60_000): Promise<Started> {
  const child = spawnNpmStart(env);
  const closed = new Promise<void>((done) => child.once('close', () => done()));
  let output = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not listen in time:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ child, closed, url: match[1]!, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
}

/** Runs an `npm start` expected to stop by itself; answers how, and how fast. Killed after `timeoutMs`. */
export function npmStartExit(env: Record<string, string>, timeoutMs = 30_000): Promise<Ended> {
  const began = Date.now();
  const child = spawnNpmStart(env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
  return new Promise((done) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: Date.now() - began });
    }),
  );
}

/**
 * Stops it as Ctrl-C would (SIGTERM to the group), and waits until node is gone too: npm exits
 * on the signal before node has closed its stores and removed its lock.
 */
export async function stop(started: Started, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  try {
    process.kill(-started.child.pid!, signal);
  } catch {
    // the group is gone already
  }
  await started.closed;
}
