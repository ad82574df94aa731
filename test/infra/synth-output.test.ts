import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript, run by node without tsx
import { isNoise } from '../../infra/synth-noise.mjs';

const require = createRequire(import.meta.url);
/** A file of an installed package, found from its package.json (the packages export neither). */
const source = (pkg: string, path: string) => readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), path), 'utf8');

describe('npm run synth leaves out only the lines it names', () => {
  it('still matches what this aws-cdk-lib and CDK CLI print (a CDK upgrade that rewords them fails here)', () => {
    expect(source('aws-cdk-lib', 'core/lib/asset-staging.js')).toContain('process.stderr.write(`Bundling asset ${this.node.path}...');
    expect(source('aws-cdk', 'lib/cli/cdk-toolkit.js')).toContain("feature flags are not configured. Run 'cdk flags --unstable=flags' to learn more.");
    expect(isNoise('Bundling asset SyncTrail/IngestApi/Function/Code/Stage...')).toBe(true);
    expect(isNoise('\u001b[33m83 feature flags are not configured. Run \'cdk flags --unstable=flags\' to learn more.\u001b[39m')).toBe(true);
  });

  it('keeps errors, cdk-nag findings and warnings', () => {
    for (const line of [
      '[Error at /SyncTrail/Storage/Bucket/Resource] AwsSolutions-S1: The S3 Bucket has server access logs disabled.',
      '[Warning at /SyncTrail/Api] some warning',
      'Error: consoleDomainName and consoleCertificateArn go together',
      'Bundling asset failed: esbuild exited with 1',
    ]) expect(isNoise(line), line).toBe(false);
  });
});
