import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

/** The README's walkthrough: every bash block between its markers, in order, verbatim. */
export function walkthroughScript(): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('<!-- walkthrough:start -->'), readme.indexOf('<!-- walkthrough:end -->'));
  const blocks = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks.length).toBeGreaterThanOrEqual(12);
  return blocks.join('\n');
}

/**
 * Runs the walkthrough with bash against `base`, as a reader pastes it, without blocking this
 * process (the server may live in it). Its last line is the ingest key the walkthrough made.
 */
export function runWalkthrough(base: string, rootKey: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-c', `set -euo pipefail\n${walkthroughScript()}\necho "$KEY"`], {
    cwd: repo,
    env: { ...process.env, BASE: base, ROOT_KEY: rootKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolvePromise) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      resolvePromise({ status, stdout, stderr });
    }),
  );
}

/** What the README says each step prints; answers the key the walkthrough made. */
export function expectWalkthroughOutput(run: { status: number | null; stdout: string; stderr: string }): string {
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const lines = run.stdout.trim().split('\n');
  expect(lines[0]).toBe('ready');
  expect(lines[1]).toBe('running');
  expect(JSON.parse(lines[2]!)).toMatchObject({ received: 3, succeeded: 1, failed: 2, invalid: { null: 1, duplicate: 0 } });
  expect(lines[3]).toBe('partial_complete, 1/3 processed: 2 of 3 records failed: 1 rejected, 1 without identifier (NULL)');
  expect(lines[4]).toMatch(/^High-value customers \| partial_complete \| 1\/3 \| \d{4}-\d\d-\d\dT/);
  expect(lines[5]).toBe('Meta Ads — Main Account: partial_complete (2 of 3 records failed: 1 rejected, 1 without identifier (NULL))');
  expect(lines.slice(6, 8)).toEqual(['rejected bob@example: Invalid email format', 'NULL null: record has no identifier']);
  expect(lines.slice(8, 10)).toEqual([
    '1 × Invalid email format [data, see docs/errors.md#invalid-format]',
    '1 × record has no identifier [data, see docs/errors.md#missing-identifier]',
  ]);
  expect(lines[10]).toMatch(/^identifier,status,status_message,operation,/);
  expect(lines[11]).toMatch(/^bob@example,rejected,Invalid email format,upsert,/);
  expect(lines.slice(12, 14)).toEqual(['bob@example replayed', 'dlq.replay bob@example']);
  expect(lines).toHaveLength(15);
  return lines[14]!;
}
