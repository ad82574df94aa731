import { join } from 'node:path';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { API_NAMES } from '../../functions/routes.ts';
import { lockClosure, readLock, type Target } from './native-modules.mjs';

/** Node's `require` for the CommonJS dependencies bundled into an ES module. */
const REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Packages replaced by a small file of what SyncTrail's bundles use of them: fzstd by node:zlib's
 * zstd (the functions run Node.js 24; see the shim); semver is
 * required only by aws-xray-sdk-core's SDK v2 patcher, for one `gte` (see the shim).
 */
export const BUNDLE_ALIASES = { semver: join(import.meta.dirname, 'shims', 'semver.cjs'), fzstd: join(import.meta.dirname, 'shims', 'fzstd.cjs') };
/** The same for `cdk synth`, whose esbuild runs in the project's root: relative, so no machine's path is in the bundling options. */
const CDK_ALIASES = { semver: './infra/constructs/shims/semver.cjs', fzstd: './infra/constructs/shims/fzstd.cjs' };

/** Every function bundle stays under this (bytes): cold starts load the whole file. */
export const MAX_BUNDLE_BYTES = 1024 * 1024;

/**
 * How every SyncTrail function is bundled, in one place: the stack hands this to
 * `NodejsFunction`, and the benchmark builds with `ESBUILD_OPTIONS`, its esbuild equivalent.
 * (The deployed-bundle test does not rebuild: it runs the very assets `cdk synth` wrote.)
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  externalModules: [], // bundle everything, the SDK included: no runtime version to drift
  mainFields: ['module', 'main'],
  banner: REQUIRE_BANNER,
  logLevel: LogLevel.WARNING, // esbuild's size table for each of seven bundles is noise in synth and tests
  esbuildArgs: Object.fromEntries(Object.entries(CDK_ALIASES).map(([name, path]) => [`--alias:${name}`, path])),
} as const satisfies BundlingOptions;

export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: BUNDLING.target,
  minify: BUNDLING.minify,
  sourcemap: BUNDLING.sourceMap,
  mainFields: [...BUNDLING.mainFields],
  banner: { js: BUNDLING.banner },
  alias: BUNDLE_ALIASES,
} as const satisfies BuildOptions;

/** The platform of Lambda's Node.js runtimes (Amazon Linux 2023, glibc) on `architecture`. */
export function lambdaTarget(architecture: Architecture): Required<Target> {
  if (architecture === Architecture.ARM_64) return { os: 'linux', cpu: 'arm64', libc: 'glibc' };
  if (architecture === Architecture.X86_64) return { os: 'linux', cpu: 'x64', libc: 'glibc' };
  throw new Error(`no native-module target for the ${architecture.name} architecture`);
}

/** Every package `names` needs on `target`, at package-lock.json's versions (what `nativeModulesBundling` ships). */
export const nativePackages = (names: readonly string[], target: Target) => lockClosure(readLock(), names, target);

const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * The bundling of a function that uses packages with native binaries (`SyncTrailFunction`'s
 * `nativeModules`): esbuild leaves them and what they require out of the bundle, and after it
 * `native-modules.mjs` copies them into the asset's `node_modules` for the function's platform
 * (Lambda's linux-arm64, not this machine's), the binaries fetched once with `npm pack` and kept in
 * `node_modules/.cache/synctrail/native/`. Only package.json, licences, JavaScript and the binaries
 * are shipped. The JS bundle stays `index.mjs`, still under `MAX_BUNDLE_BYTES`.
 */
export function nativeModulesBundling(names: readonly string[], target: Required<Target>): Pick<BundlingOptions, 'externalModules' | 'commandHooks'> {
  const packages = nativePackages(names, target);
  return {
    externalModules: packages.map((pkg) => pkg.name),
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      // inputDir is the project root (locally; /asset-input under Docker): no machine path is in the options.
      afterBundling: (inputDir: string, outputDir: string) => [
        ['node', `${inputDir}/infra/constructs/native-modules.mjs`, outputDir, target.os, target.cpu, target.libc, ...names].map(shellQuote).join(' '),
      ],
    },
  };
}

/** Every function's entry under `functions/`: the three API functions and the four jobs. */
export const FUNCTION_ENTRIES = [
  ...API_NAMES.map((name) => `api/${name}`),
  'ingest/convert-upload',
  'jobs/refresh-facts',
  'jobs/deliver-webhooks',
  'jobs/check-freshness',
] as const;

/**
 * Functions whose packages with native binaries stay out of the bundle and ship beside it
 * (`SyncTrailFunction`'s `nativeModules`, `nativeModulesBundling`): the converter writes parquet with DuckDB.
 */
export const NATIVE_MODULES: Partial<Record<(typeof FUNCTION_ENTRIES)[number], readonly string[]>> = {
  'ingest/convert-upload': ['@duckdb/node-api'],
};

/** What esbuild leaves external for `entry` when built with `ESBUILD_OPTIONS` (the benchmark): its native modules and what they require. */
export const esbuildExternals = (entry: (typeof FUNCTION_ENTRIES)[number]): string[] =>
  nativePackages(NATIVE_MODULES[entry] ?? [], lambdaTarget(Architecture.ARM_64)).map((pkg) => pkg.name);
