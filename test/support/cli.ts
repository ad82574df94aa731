import { spawn, type ChildProcess } from 'node:child_process';
import { createOrgWithKeys, type Api } from './local-stack.ts';

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The `synctrail` command as a user runs it: its own process, env for the URL and key; `onStart` gets the child, to stop it. */
export function synctrail(args: string[], env: Record<string, string>, onStart?: (child: ChildProcess) => void): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/synctrail.mjs', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onStart?.(child);
  });
}

/** An org `acme` with the audience sync `hv-meta`, and the env the CLI reads its URL and key from. */
export async function cliOrg(api: Api, url: string): Promise<Record<string, string>> {
  const org = await createOrgWithKeys(api, 'acme');
  await api.put('/v1/syncs/hv-meta', org.key, {
    name: 'High-value customers',
    syncType: 'audience',
    operation: 'upsert',
    source: { id: 'seg-42', type: 'DataWarehouse::FilterSegmentSource', name: 'High value' },
    destination: { id: 'meta', name: 'Meta Ads — Main', connectionType: 'Meta Ads' },
  });
  return { SYNCTRAIL_URL: url, SYNCTRAIL_KEY: org.key };
}

/** `count` NDJSON records of ~400 bytes, one in a hundred rejected (an invalid email). */
export const cliRecordLines = (count: number) =>
  Array.from({ length: count }, (_u, i) =>
    JSON.stringify(
      i % 100 === 7
        ? { identifier: `user${i}@example`, payload: { email: `user${i}@example`, note: 'x'.repeat(300) }, status: 'rejected', statusMessage: 'Invalid email format' }
        : { identifier: `user${i}@example.com`, payload: { email: `user${i}@example.com`, note: 'x'.repeat(300) }, status: 'succeeded' },
    ),
  );
