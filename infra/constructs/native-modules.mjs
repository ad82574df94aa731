#!/usr/bin/env node
// Ships packages with native binaries next to a function's bundle, for the function's platform,
// not this machine's: `node infra/constructs/native-modules.mjs <outputDir> <os> <cpu> <libc> <package>...`,
// run by CDK after esbuild (`commandHooks.afterBundling`, see `nativeModulesBundling` in bundling.ts).
//
// Every package comes from package-lock.json (versions and integrity are read there, never
// written twice): the packages the named ones depend on, and of their optional dependencies only
// those whose os/cpu/libc fit the target (e.g. `@duckdb/node-bindings-linux-arm64` for Lambda's
// arm64). A package installed here at the locked version is copied from node_modules; any other
// (the other platform's binaries) is `npm pack`ed once, checked against the lock's integrity and
// kept under node_modules/.cache/synctrail/native/, so later synths are offline and fast.
// Only what runs is copied: package.json, licences, JavaScript, JSON, `.node` and `.so` files
// (no docs, no type declarations, no source maps).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (this file is infra/constructs/native-modules.mjs). */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where fetched packages are kept between synths (under node_modules: never committed, dropped with it). */
export const NATIVE_CACHE = join('node_modules', '.cache', 'synctrail', 'native');

/** The files of a package that run: everything else (README, .d.ts, maps, tests) stays out. */
export const isShipped = (path) => {
  const name = path.split('/').pop();
  if (/^(licen[cs]e|notice)/i.test(name)) return true;
  if (/\.d\.[cm]?ts$|\.map$/.test(name)) return false;
  return /\.(c|m)?js$|\.json$|\.node$|\.so(\.\d+)*$/.test(name);
};

const fits = (entry, target) =>
  ['os', 'cpu', 'libc'].every((field) => {
    const allowed = entry[field];
    if (!allowed || !target[field]) return true;
    const denied = allowed.filter((value) => value.startsWith('!')).map((value) => value.slice(1));
    return denied.length ? !denied.includes(target[field]) : allowed.includes(target[field]);
  });

/** The lock key Node would resolve `name` to from the package at lock key `from` (nearest node_modules up). */
function resolveKey(lock, from, name) {
  for (let at = from; ; ) {
    const key = `${at ? `${at}/` : ''}node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (!at) return undefined;
    const up = at.lastIndexOf('/node_modules/');
    at = up < 0 ? '' : at.slice(0, up);
  }
}

/**
 * The packages `names` need on `target` ({ os, cpu, libc }), from a package-lock.json (v2/v3):
 * `{ name, version, integrity, key }` each, dependencies first found first.
 * @param {{ packages: Record<string, any> }} lock
 * @param {readonly string[]} names
 * @param {{ os?: string, cpu?: string, libc?: string }} target
 */
export function lockClosure(lock, names, target) {
  const found = new Map();
  const visit = (from, name, optional) => {
    const key = resolveKey(lock, from, name);
    if (!key) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || 'the project'}) is not in package-lock.json`);
    }
    const entry = lock.packages[key];
    if (optional && !fits(entry, target)) return;
    const seen = found.get(name);
    if (seen) {
      if (seen.version !== entry.version) throw new Error(`${name} is locked at ${seen.version} and ${entry.version}: one flat node_modules cannot ship both`);
      return;
    }
    found.set(name, { name, version: entry.version, integrity: entry.integrity, key });
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(key, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(key, dep, true);
  };
  for (const name of names) visit('', name, false);
  return [...found.values()];
}

/** Reads package-lock.json of a project. */
export const readLock = (root = PROJECT_ROOT) => JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));

function checkIntegrity(file, integrity, what) {
  if (!integrity) return;
  const [algorithm, expected] = integrity.split(/-(.*)/s);
  const actual = createHash(algorithm).update(readFileSync(file)).digest('base64');
  if (actual !== expected) throw new Error(`${what}: the tarball's ${algorithm} does not match package-lock.json's integrity`);
}

/** The unpacked `package/` folder of `pkg`, fetched with `npm pack` the first time and kept in the cache. */
export function cachedPackage(root, pkg, log = (line) => process.stderr.write(`${line}\n`)) {
  const cache = join(root, NATIVE_CACHE);
  const base = `${pkg.name.replace('/', '+')}-${pkg.version}`;
  const unpacked = join(cache, base);
  if (existsSync(join(unpacked, '.complete'))) return join(unpacked, 'package');
  mkdirSync(cache, { recursive: true });
  const tarball = join(cache, `${base}.tgz`);
  const work = mkdtempSync(join(cache, '.tmp-'));
  try {
    if (!existsSync(tarball)) {
      log(`native modules: fetching ${pkg.name}@${pkg.version} with npm pack (once; kept in ${NATIVE_CACHE})`);
      const out = execFileSync('npm', ['pack', `${pkg.name}@${pkg.version}`, '--prefer-offline', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      const packed = join(work, JSON.parse(out)[0].filename);
      checkIntegrity(packed, pkg.integrity, `${pkg.name}@${pkg.version}`);
      renameSync(packed, tarball);
    } else checkIntegrity(tarball, pkg.integrity, `${pkg.name}@${pkg.version} (cached)`);
    const into = join(work, base);
    mkdirSync(into);
    execFileSync('tar', ['-xzf', tarball, '-C', into], { stdio: ['ignore', 'ignore', 'inherit'] });
    writeFileSync(join(into, '.complete'), `${pkg.integrity ?? ''}\n`);
    try {
      renameSync(into, unpacked);
    } catch (error) {
      // Another synth (a parallel test file) unpacked it first: theirs is as good.
      if (!existsSync(join(unpacked, '.complete'))) throw error;
    }
    return join(unpacked, 'package');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function copyShipped(from, to) {
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(from, path);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (entry.isFile() && isShipped(rel.split('\\').join('/'))) {
        mkdirSync(dirname(join(to, rel)), { recursive: true });
        // A reflink where the file system has them, a copy otherwise.
        copyFileSync(path, join(to, rel), constants.COPYFILE_FICLONE);
      }
    }
  };
  walk(from);
}

/** Where a package's files come from: this project's node_modules at the locked version, else the cache. */
function sourceOf(root, pkg) {
  const installed = join(root, pkg.key);
  try {
    if (JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version === pkg.version) return installed;
  } catch {
    // not installed here (another platform's package)
  }
  return cachedPackage(root, pkg);
}

/**
 * Puts `names` and what they need on `target` into `<outputDir>/node_modules`.
 * @returns {Array<{ name: string, version: string }>}
 */
export function shipNativeModules({ root = PROJECT_ROOT, outputDir, names, target }) {
  const packages = lockClosure(readLock(root), names, target);
  for (const pkg of packages) copyShipped(sourceOf(root, pkg), join(outputDir, 'node_modules', pkg.name));
  return packages.map(({ name, version }) => ({ name, version }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [outputDir, os, cpu, libc, ...names] = process.argv.slice(2);
  if (!outputDir || !names.length) {
    console.error('usage: node infra/constructs/native-modules.mjs <outputDir> <os> <cpu> <libc|-> <package>...');
    process.exit(2);
  }
  shipNativeModules({ outputDir, names, target: { os, cpu, libc: libc === '-' ? undefined : libc } });
}
