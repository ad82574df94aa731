import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Where the browser tests' Chromium came from:
 * - `env`: the binary `CHROMIUM_PATH` names;
 * - `system`: a Chromium or Chrome found on `PATH` or at a usual install path;
 * - `npm`: the headless Chromium inside `@sparticuz/chromium`, the optional dependency `npm ci`
 *   brings on Node 22.17+ (it declares no support for Node 20, so npm skips it there), unpacked
 *   once to the temp folder.
 */
export type ChromiumSource = 'env' | 'system' | 'npm';

export interface FoundChromium {
  source: ChromiumSource;
  /** The executable playwright-core launches. */
  path: string;
  /** What the launched browser's environment needs on top of this process's (npm: its own libraries and fonts). */
  env: Record<string, string>;
  /** npm: the @sparticuz/chromium version; its major is Chromium's major. */
  version?: string;
  /** npm: how long unpacking took in this process, 0 if an earlier run had unpacked it. */
  unpackMs?: number;
}

export interface FindChromiumOptions {
  /** The environment to read `CHROMIUM_PATH`, `PATH` and `SYNCTRAIL_NO_SYSTEM_CHROMIUM` from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Usual install paths probed after `PATH` (default `USUAL_CHROMIUM_PATHS`). */
  systemPaths?: readonly string[];
}

/** Names looked up on `PATH`, in order. */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'] as const;

/** Install paths tried when `PATH` has none of the names (Debian/Ubuntu, Chrome's .deb, macOS). */
export const USUAL_CHROMIUM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
] as const;

/** Set to 1 to skip the system Chromium (PATH and usual paths) and use the npm one: how CI proves the fallback. */
export const NO_SYSTEM_CHROMIUM = 'SYNCTRAIL_NO_SYSTEM_CHROMIUM';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function systemChromium(env: NodeJS.ProcessEnv, usual: readonly string[]): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of CHROMIUM_NAMES) {
    for (const dir of dirs) {
      if (isExecutable(join(dir, name))) return join(dir, name);
    }
  }
  return usual.find(isExecutable);
}

/**
 * The Chromium the browser tests use, in this order: `CHROMIUM_PATH`; a system Chromium (skipped when
 * `SYNCTRAIL_NO_SYSTEM_CHROMIUM=1`); the one `npm ci` brought (@sparticuz/chromium, unpacked on first use).
 */
export async function findChromium(options: FindChromiumOptions = {}): Promise<FoundChromium> {
  const env = options.env ?? process.env;
  const named = env.CHROMIUM_PATH;
  if (named) {
    if (!isExecutable(named)) throw new Error(`CHROMIUM_PATH=${named} is not an executable file; unset it to use a system Chromium or the one npm ci installed`);
    return { source: 'env', path: named, env: {} };
  }
  const skipSystem = Boolean(env[NO_SYSTEM_CHROMIUM]) && env[NO_SYSTEM_CHROMIUM] !== '0';
  if (!skipSystem) {
    const system = systemChromium(env, options.systemPaths ?? USUAL_CHROMIUM_PATHS);
    if (system) return { source: 'system', path: system, env: {} };
  }
  return npmChromium();
}

const require = createRequire(import.meta.url);

/**
 * @sparticuz/chromium's Chromium, unpacked into a folder of its own under the temp folder (not the
 * package's default of TMPDIR/chromium, which another version could own). Each process unpacks into
 * a fresh folder and renames it into place, so test files starting together never see a half-written
 * binary. Its AL2023 libraries (NSS, NSPR, expat) and Open Sans are unpacked too and handed to the
 * browser, so it needs nothing from the system but glibc.
 */
async function npmChromium(): Promise<FoundChromium> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`no Chromium found: set CHROMIUM_PATH or install Chromium; the npm fallback (@sparticuz/chromium) is Linux x64 only, this is ${process.platform} ${process.arch}`);
  }
  let entry: string;
  try {
    entry = require.resolve('@sparticuz/chromium');
  } catch {
    throw new Error(
      `no Chromium found: install Chromium (e.g. apt-get install chromium) or set CHROMIUM_PATH; the npm fallback (@sparticuz/chromium, an optional dependency) is installed by npm ci on Node 22.17 or newer only, this is Node ${process.versions.node}`,
    );
  }
  const packageDir = join(dirname(entry), '..');
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const user = process.getuid?.() ?? 'user';
  const home = join(tmpdir(), `synctrail-chromium-${version}-${user}`);
  const found = (unpackMs: number): FoundChromium => ({
    source: 'npm',
    path: join(home, 'chromium'),
    version,
    unpackMs,
    env: {
      LD_LIBRARY_PATH: [join(home, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_FILE: join(home, 'fonts.conf'),
    },
  });
  if (existsSync(join(home, 'chromium'))) return found(0);

  const started = performance.now();
  const staging = `${home}.${process.pid}.${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  try {
    // An optional dependency (npm installs it on Node 22.17+ only): imported by a name tsc does
    // not resolve, so the project typechecks where it is absent; the two calls used are typed here.
    const optional: string = '@sparticuz/chromium';
    const { default: Chromium, inflate } = (await import(optional)) as {
      default: { executablePath(input?: string): Promise<string> };
      inflate(input: string): Promise<string>;
    };
    // The package unpacks into os.tmpdir(), read when each unpacking starts: point it at the
    // staging folder for the synchronous start of these calls only.
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = staging;
    let unpacked: Promise<unknown>;
    try {
      unpacked = Promise.all([Chromium.executablePath(join(packageDir, 'bin')), inflate(join(packageDir, 'bin', 'al2023.tar.br'))]);
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
    await unpacked;
    // The system's fonts when it has any, and Open Sans from the package always, so text renders in
    // screenshots on a machine without fonts too.
    writeFileSync(
      join(staging, 'fonts.conf'),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        '<fontconfig>',
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
        `  <dir>${join(home, 'fonts', 'fonts')}</dir>`,
        `  <cachedir>${join(home, 'fonts-cache')}</cachedir>`,
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    try {
      renameSync(staging, home);
    } catch (error) {
      // Another test file unpacked it first: use theirs.
      if (!existsSync(join(home, 'chromium'))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return found(Math.round(performance.now() - started));
}

/** What `found` says, for the test output: which Chromium, where, and for npm how long unpacking took. */
export function describeChromium(found: FoundChromium): string {
  const detail = found.source === 'env' ? 'CHROMIUM_PATH' : found.source === 'system' ? 'system' : `npm @sparticuz/chromium ${found.version}, ${found.unpackMs ? `unpacked in ${(found.unpackMs / 1000).toFixed(1)} s` : 'already unpacked'}`;
  return `chromium: ${found.source} ${found.path} (${detail})`;
}

/** The flags every launch gets: no sandbox (root), no GPU, no calls home. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

let announced = false;

/**
 * Headless Chromium as this machine allows it, found by `findChromium` (or the one given). The first
 * launch in a process prints which Chromium it is.
 */
export async function launchChromium(found?: FoundChromium): Promise<Browser> {
  const chosen = found ?? (await findChromium());
  if (!announced) {
    announced = true;
    console.log(describeChromium(chosen));
  }
  return chromium.launch({
    executablePath: chosen.path,
    args: CHROMIUM_ARGS,
    env: { ...process.env, ...chosen.env } as Record<string, string>,
  });
}

export const ARTIFACTS = join('test-artifacts', 'console');

/** A full-page screenshot kept as a test artifact (test-artifacts/console/NAME.png). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Errors the page threw or logged: a console that works has none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  return errors;
}

/** Whether `npm ci` brought the npm fallback: Linux x64, and Node 22.17+ (on Node 20 npm skips the optional dependency). */
export function npmChromiumInstalled(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  try {
    require.resolve('@sparticuz/chromium');
    return true;
  } catch {
    return false;
  }
}
