import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { API_NAMES } from '../../functions/routes.ts';

/** Node's `require` for the CommonJS dependencies bundled into an ES module. */
const REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

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
} as const satisfies BuildOptions;

/** Every function's entry under `functions/`: the three API functions and the four jobs. */
export const FUNCTION_ENTRIES = [
  ...API_NAMES.map((name) => `api/${name}`),
  'ingest/convert-upload',
  'jobs/refresh-facts',
  'jobs/deliver-webhooks',
  'jobs/check-freshness',
] as const;
