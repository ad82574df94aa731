// What aws-xray-sdk-core needs of semver, for its AWS SDK v2 patcher (patchers/aws_p.js):
// `gte(version, minimum)` on plain "major.minor.patch" versions. SyncTrail uses SDK v3 only,
// so that patcher never runs; the full package is 29 KB of every bundle (the 1 MiB budget).
'use strict';

const parts = (version) => String(version).replace(/^v/, '').split(/[.+-]/, 3).map((n) => Number.parseInt(n, 10) || 0);

exports.gte = (version, minimum) => {
  const [a, b] = [parts(version), parts(minimum)];
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
};
