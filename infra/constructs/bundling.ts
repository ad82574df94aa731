import { join } from 'node:path';
import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { API_NAMES } from '../../functions/routes.ts';

/** Node's `require` for the CommonJS dependencies bundled into an ES module. */
const REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Packages replaced by a small file of what SyncTrail's bundles use of them: semver is
 * required only by aws-xray-sdk-core's SDK v2 patcher, for one `gte` (see the shim).
 */
export const BUNDLE_ALIASES = { semver: join(import.meta.dirname, 'shims', 'semver.cjs') };
/** The same for `cdk synth`, whose esbuild runs in the project's root: relative, so no machine's path is in the bundling options. */
const CDK_ALIASES = { semver: './infra/constructs/shims/semver.cjs' };

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

/** Every function's entry under `functions/`: the three API functions and the four jobs. */
export const FUNCTION_ENTRIES = [
  ...API_NAMES.map((name) => `api/${name}`),
  'ingest/convert-upload',
  'jobs/refresh-facts',
  'jobs/deliver-webhooks',
  'jobs/check-freshness',
] as const;
