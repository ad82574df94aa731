// What `npm run synth` leaves out of `cdk synth --quiet`'s output (see synth.mjs), and nothing else.
export const NOISE = [
  // aws-cdk-lib, once per function bundle it builds (core/lib/asset-staging.js).
  /^Bundling asset \S+\.\.\.$/,
  // The CDK CLI after every synth (lib/cli/cdk-toolkit.js, displayFlagsMessage).
  /^\d+ feature flags are not configured\. Run 'cdk flags --unstable=flags' to learn more\.$/,
  /^\s*$/,
];

/** Whether a line of cdk's output is one of those (colours ignored). */
export const isNoise = (line) => {
  // eslint-disable-next-line no-control-regex
  const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
  return NOISE.some((pattern) => pattern.test(plain));
};
