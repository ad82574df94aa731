// What the deployed functions need of fzstd: `decompress(input, output)` for ZSTD parquet pages.
// They run Node.js 24, whose node:zlib has zstd (shared/adapters/parquet.ts uses it first), so
// the pure-JS decoder (7 KB of every bundle, the 1 MiB budget) is replaced by node:zlib here.
'use strict';

const zlib = require('node:zlib');

exports.decompress = (input, output) => {
  if (!zlib.zstdDecompressSync) throw new Error('reading ZSTD parquet pages in a bundle needs Node.js 22.15 or newer (node:zlib zstd)');
  const bytes = zlib.zstdDecompressSync(input);
  if (!output) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  output.set(bytes);
  return output;
};
