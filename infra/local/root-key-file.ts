import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The deployment's root key in local mode: `SYNCTRAIL_ROOT_KEY` when set, else the one
 * generated at first start and kept in the data dir. `generated` tells the caller to
 * print it, which happens once.
 */
export function loadRootKey(dataDir: string, fromEnv: string | undefined): { rootKey: string; source: 'env' | 'file' | 'generated'; file: string } {
  const file = join(dataDir, 'root-key');
  if (fromEnv && fromEnv.trim()) return { rootKey: fromEnv.trim(), source: 'env', file };
  if (existsSync(file)) return { rootKey: readFileSync(file, 'utf8').trim(), source: 'file', file };
  const rootKey = `str_${randomBytes(32).toString('base64url')}`;
  writeFileSync(file, `${rootKey}\n`, { mode: 0o600, flag: 'wx' });
  return { rootKey, source: 'generated', file };
}
