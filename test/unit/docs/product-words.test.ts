import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../..');
const roots = ['README.md', 'docs', 'console/src', 'shared', 'functions', 'infra', 'bin', 'bench', 'test'];
const skip = new Set(['node_modules', 'dist', 'cdk.out']);

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => !skip.has(name))
    .flatMap((name) => filesUnder(join(path, name)));
}

/** The requirement documents' file names, and the design folder's API.md, are not product words. */
const designWords = [/\bseed[ _-]?00\d\b/i, /\bAPI\.md\b/, /shared\/seeds/];

describe('product words', () => {
  const files = roots.flatMap((root) => filesUnder(join(repo, root))).filter((file) => /\.(ts|tsx|mjs|js|md|sql|css|html|json)$/.test(file));

  it('scans the product: docs, console, code, infrastructure and tests', () => {
    expect(files.length).toBeGreaterThan(150);
    expect(files.some((file) => file.endsWith('README.md'))).toBe(true);
  });

  it('says Sync History, Sync Tracking and Sync Logs, never the design documents’ names', () => {
    const self = relative(repo, import.meta.filename);
    const hits = files
      .filter((file) => relative(repo, file) !== self)
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${relative(repo, file)}:${i + 1}` }))
          .filter(({ line }) => designWords.some((word) => word.test(line)))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(hits).toEqual([]);
  });
});
