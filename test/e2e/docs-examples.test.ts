import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmStart, stop, type Started } from '../support/npm-start.ts';
import { walkthroughScript } from '../support/walkthrough.ts';

const repo = resolve(import.meta.dirname, '../..');

/**
 * The docs' copy-paste examples, run as a reader pastes them against `npm start`, after the
 * README walkthrough (which sets `BASE`, `api`, `json`, `ADMIN_KEY` and `KEY`). A block marked
 * `<!-- example:NAME -->` in docs/ runs in the order below; what each prints is checked.
 */
const EXAMPLES: Array<{ name: string; prints: (out: string) => void }> = [
  {
    name: 'run-diff',
    prints: (out) =>
      expect(out.split('\n')).toEqual(['complete', '{"runId":"run-2026-11-24","against":"run-2026-11-23","added":1,"removed":0,"changed":1,"unchanged":0}', 'carl@example.com']),
  },
  { name: 'alert-rules', prints: (out) => expect(out).toBe('volume_anomaly: pending\nmissed_run: ok\nslow_run: ok\nunaccounted: pending') },
  {
    name: 'webhook-formats',
    prints: (out) => {
      // The stand-in prints each delivery as it lands, between the commands' own lines.
      const posted = out.split('\n').filter((line) => line.startsWith('/'));
      const own = out.split('\n').filter((line) => !line.startsWith('/'));
      expect(own).toEqual(['delivered', 'ok', 'running', 'error', 'running', 'complete', 'alert.resolved delivered', 'alert.fired delivered', 'required for the pagerduty format: the integration key of a PagerDuty Events API v2 integration']);
      const slack = posted.filter((line) => line.startsWith('/slack ')).map((line) => JSON.parse(line.slice('/slack '.length)));
      expect(slack.map((m) => m.text)).toEqual([
        'A test from SyncTrail: if you can read this, the webhook works.',
        ':rotating_light: Alert firing: run_error on High-value customers → Meta Ads — Main Account — run run-pd-1 failed: 401 token expired',
        ':white_check_mark: Alert resolved: run_error on High-value customers → Meta Ads — Main Account — run run-pd-2 ended complete',
      ]);
      const pagerDuty = posted.filter((line) => line.startsWith('/pagerduty ')).map((line) => JSON.parse(line.slice('/pagerduty '.length)));
      expect(pagerDuty.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
      expect(pagerDuty[0].dedup_key).toMatch(/^synctrail\/acme\/hv-customers-meta\/run_error\//);
      expect(pagerDuty[1].dedup_key).toBe(pagerDuty[0].dedup_key);
      expect(pagerDuty[0].payload).toMatchObject({ severity: 'error', source: 'Meta Ads — Main Account (Meta Ads)', summary: expect.stringContaining('run run-pd-1 failed: 401 token expired') });
    },
  },
  {
    name: 'dlq-bulk',
    prints: (out) =>
      expect(out.split('\n')).toEqual([
        'running',
        '3',
        expect.stringMatching(/^\{"matched":2,"remaining":false,"asOf":"\d{4}-\d\d-\d\dT[\d:.]+Z"\}$/),
        '{"matched":2,"replayed":2,"remaining":false}',
        '{"matched":1,"discarded":1,"remaining":false}',
        'Records discarded in bulk: {"state":"discarded","filter":{"runId":"run-2026-11-25","statusMessage":"Invalid*"},"matched":1,"discarded":1,"remaining":false}',
        'Records replayed in bulk: {"state":"replayed","filter":{"syncId":"hv-customers-meta","category":"connectivity"},"matched":2,"replayed":2,"remaining":false}',
        'partial_complete',
      ]),
  },
  { name: 'source-count', prints: (out) => expect(out).toBe('extracted 3, reported 2, unaccounted 1') },
];

function examples(): Map<string, { file: string; script: string }> {
  const found = new Map<string, { file: string; script: string }>();
  for (const file of readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md'))) {
    const text = readFileSync(join(repo, 'docs', file), 'utf8');
    for (const match of text.matchAll(/<!-- example:([a-z0-9-]+) -->\n```bash\n([\s\S]*?)```/g)) {
      expect(found.has(match[1]!), `example ${match[1]} is marked twice`).toBe(false);
      found.set(match[1]!, { file, script: match[2]! });
    }
  }
  return found;
}

function bash(script: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-c', script], { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((done) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    }),
  );
}

describe('the examples in docs/, pasted against npm start', () => {
  let dataDir: string;
  let server: Started;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'synctrail-docs-'));
    server = await npmStart({ PORT: '0', SYNCTRAIL_DATA_DIR: dataDir, SYNCTRAIL_ROOT_KEY: '' });
  });
  afterAll(async () => {
    if (server) await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('are each checked here, and print what the docs say', async () => {
    // Arrange: every marked example is one this test knows, and the other way round
    const found = examples();
    expect([...found.keys()].sort()).toEqual(EXAMPLES.map((e) => e.name).sort());
    const marker = (name: string) => `@@example ${name}@@`;
    const script = [
      'set -euo pipefail',
      'exec 3>&1 >/dev/null', // the walkthrough's own output is the README test's to check
      walkthroughScript(),
      ...EXAMPLES.flatMap(({ name }) => [`echo '${marker(name)}' >&3`, `{\n${found.get(name)!.script}\n} >&3`]),
    ].join('\n');

    // Act
    const run = await bash(script, { BASE: server.url, ROOT_KEY: readFileSync(join(dataDir, 'root-key'), 'utf8').trim() });

    // Assert
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const parts = run.stdout.split(/^@@example ([a-z0-9-]+)@@\n/m).slice(1);
    const printed = new Map<string, string>();
    for (let i = 0; i < parts.length; i += 2) printed.set(parts[i]!, parts[i + 1]!.trim());
    for (const { name, prints } of EXAMPLES) {
      expect(printed.has(name), `${name} (${found.get(name)!.file}) ran`).toBe(true);
      prints(printed.get(name)!);
    }
  });
});
