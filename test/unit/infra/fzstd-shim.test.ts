import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BUNDLE_ALIASES } from '../../../infra/constructs/bundling.ts';

const require = createRequire(import.meta.url);
const shim = require(BUNDLE_ALIASES.fzstd) as { decompress: (input: Uint8Array, output?: Uint8Array) => Uint8Array };
const fzstd = require('fzstd') as { decompress: (input: Uint8Array, output?: Uint8Array) => Uint8Array };
const zstd = zlib as { zstdCompressSync?: (input: Uint8Array) => Buffer; zstdDecompressSync?: unknown };

describe('the fzstd shim bundled for the functions (node:zlib zstd)', () => {
  it.skipIf(!zstd.zstdCompressSync)('decompresses as fzstd does, into the output it is given', () => {
    const text = new TextEncoder().encode(JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ i, city: ['Lisbon', 'Oslo', 'Zoë'][i % 3] }))));
    const packed = zstd.zstdCompressSync!(text);
    const output = new Uint8Array(text.byteLength);
    expect(shim.decompress(packed, output)).toBe(output);
    expect(Buffer.from(output).equals(Buffer.from(fzstd.decompress(packed, new Uint8Array(text.byteLength))))).toBe(true);
  });

  it.skipIf(Boolean(zstd.zstdDecompressSync))('says which Node.js it needs where node:zlib has no zstd (Node 20 here; the functions run 24)', () => {
    expect(() => shim.decompress(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd]))).toThrow(/Node\.js 22\.15 or newer/);
  });

  it('is all the bundles use of fzstd: decompress, in the readers of parquet pages', async () => {
    const { readFile } = await import('node:fs/promises');
    const { execFileSync } = await import('node:child_process');
    const users = execFileSync('git', ['grep', '-l', "from 'fzstd'", '--', 'shared', 'functions'], { encoding: 'utf8' }).trim().split('\n');
    expect(users).toEqual(['shared/adapters/parquet.ts']);
    expect((await readFile('shared/adapters/parquet.ts', 'utf8')).match(/import \{[^}]*\} from 'fzstd'/g)).toEqual(["import { decompress as decompressZstd } from 'fzstd'"]);
  });
});
