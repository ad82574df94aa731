import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildSync, type BuildOptions, type OutputFile } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export interface ConsoleFile {
  contentType: string;
  /** `no-cache` for index.html; hashed assets never change. */
  cacheControl: string;
  body: Buffer;
}

/** The console as files by URL path: `/index.html`, `/assets/app-<hash>.js`, `/assets/app-<hash>.css`. */
export type ConsoleBundle = Map<string, ConsoleFile>;

/** docs/errors.md's sections by key: the console shows the resolution beside each error group. */
export function errorResolutions(markdown: string): Record<string, string> {
  const sections: Record<string, string> = {};
  for (const part of markdown.split(/^## /m).slice(1)) {
    const newline = part.indexOf('\n');
    sections[part.slice(0, newline).trim()] = part.slice(newline + 1).trim();
  }
  return sections;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

function buildOptions(): BuildOptions & { write: false } {
  const resolutions = errorResolutions(readFileSync(join(here, '..', 'docs', 'errors.md'), 'utf8'));
  const counting = readFileSync(join(here, '..', 'docs', 'counting.md'), 'utf8');
  return {
    entryPoints: [join(here, 'src', 'main.tsx')],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome115', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: 'assets',
    entryNames: 'app-[hash]',
    legalComments: 'none',
    define: { __ERROR_RESOLUTIONS__: JSON.stringify(resolutions), __COUNTING_DOC__: JSON.stringify(counting) },
    logLevel: 'silent',
  };
}

function toBundle(outputFiles: OutputFile[]): ConsoleBundle {
  const bundle: ConsoleBundle = new Map();
  let script = '';
  let style = '';
  for (const file of outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const isCss = name.endsWith('.css');
    bundle.set(`/assets/${name}`, { contentType: isCss ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8', cacheControl: IMMUTABLE, body: Buffer.from(file.contents) });
    if (isCss) style = name;
    else script = name;
  }
  const html = readFileSync(join(here, 'index.html'), 'utf8').replace('%SCRIPT%', `/assets/${script}`).replace('%STYLE%', `/assets/${style}`);
  bundle.set('/index.html', { contentType: 'text/html; charset=utf-8', cacheControl: 'no-cache', body: Buffer.from(html) });
  return bundle;
}

/**
 * Builds the console with esbuild (Preact, minified, one JS and one CSS file named by their
 * content hash) into memory. Local mode serves the result at start.
 */
export async function buildConsole(): Promise<ConsoleBundle> {
  return toBundle((await build(buildOptions())).outputFiles);
}

/** The same build, synchronously: the CDK app is constructed synchronously. */
export function buildConsoleSync(): ConsoleBundle {
  return toBundle(buildSync(buildOptions()).outputFiles);
}

/** Writes the bundle to `dir` (emptied first), for the CDK app's bucket deployment. */
export function writeConsole(bundle: ConsoleBundle, dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [path, file] of bundle) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.body);
  }
}

/** A short fingerprint of the bundle, for logs and tests. */
export const bundleHash = (bundle: ConsoleBundle) =>
  createHash('sha256')
    .update([...bundle.keys()].sort().join('\n'))
    .digest('hex')
    .slice(0, 12);

/**
 * Headers every console response carries: a strict content security policy (the API is on
 * the same origin; nothing inline), no framing, no referrer.
 */
export const CONSOLE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
