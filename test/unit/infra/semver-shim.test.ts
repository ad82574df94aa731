import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BUNDLE_ALIASES } from '../../../infra/constructs/bundling.ts';

const require = createRequire(import.meta.url);
const shim = require(BUNDLE_ALIASES.semver) as { gte: (a: string, b: string) => boolean };
const semver = require('semver') as { gte: (a: string, b: string) => boolean };

describe('the semver shim bundled for aws-xray-sdk-core', () => {
  it('answers gte as semver does on the versions the X-Ray SDK v2 patcher compares', () => {
    const pairs: Array<[string, string]> = [
      ['2.7.15', '2.7.15'],
      ['2.7.16', '2.7.15'],
      ['2.8.0', '2.7.15'],
      ['3.0.0', '2.7.15'],
      ['2.7.14', '2.7.15'],
      ['2.6.99', '2.7.15'],
      ['1.99.99', '2.7.15'],
      ['2.10.0', '2.9.0'],
      ['2.1692.0', '2.7.15'],
    ];
    for (const [version, minimum] of pairs) expect(shim.gte(version, minimum), `${version} >= ${minimum}`).toBe(semver.gte(version, minimum));
  });

  it('is what aws-xray-sdk-core requires semver for: one gte in its SDK v2 patcher', () => {
    const patcher = require('node:fs').readFileSync(require.resolve('aws-xray-sdk-core/dist/lib/patchers/aws_p.js'), 'utf8') as string;
    expect(patcher.match(/semver\.\w+/g)).toEqual(['semver.gte']);
  });
});
