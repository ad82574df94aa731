/**
 * A run diff of two N-identifier runs: building a digest (collector + parquet), and the merge the
 * query function runs (counts, and a page of a rare kind, which reads both digests to the end),
 * with the process's peak RSS. Digests are read through the same ranged reader the S3 adapter
 * uses, from memory (no network): the figure is the query function's CPU and memory.
 *
 *   BENCH_DIFF_IDENTIFIERS=1000000 node --expose-gc --import tsx bench/run-diff.ts
 */
import { encodeRunDigest, openDigest } from '#adapters/run-digest.ts';
import { RangeReader } from '#adapters/s3-tracking-files.ts';
import { diffCounts, diffPage } from '#domain/run-digest.ts';
import { RunDigestCollector } from '#domain/run-digest-builder.ts';

const N = Number(process.env.BENCH_DIFF_IDENTIFIERS ?? 1_000_000);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const gc = (globalThis as { gc?: () => void }).gc;
/** Peak RSS, sampled at every row group read (a timer would not fire: the merge never yields to one). */
let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));

/** Run A: users 0..N-1. Run B: 10% of them gone, as many new, 1% with another payload. */
function build(run: 'a' | 'b') {
  const collector = new RunDigestCollector();
  const from = run === 'a' ? 0 : N / 10;
  for (let i = from; i < from + N; i++) {
    const payload = `{"email":"user-${i}@example.com","tier":"${run === 'b' && i % 100 === 0 ? 'gold' : 'base'}","ltv":${i % 977}}`;
    collector.add({ identifier: `user-${i}@example.com`, status: 'succeeded', record_payload: payload });
  }
  const { identifiers, hashes } = collector.sorted();
  return encodeRunDigest(identifiers, hashes);
}

async function reader(bytes: Uint8Array) {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const digest = await openDigest(new RangeReader(buffer.byteLength, async (start, end) => buffer.slice(start, end), 2 * 1024 * 1024));
  return {
    rowGroups: digest.rowGroups,
    readRowGroup: async (index: number) => {
      sample();
      return digest.readRowGroup(index);
    },
  };
}

async function main() {
  let started = performance.now();
  const a = build('a');
  const buildMs = performance.now() - started;
  const b = build('b');
  gc?.();
  const rssBefore = process.memoryUsage().rss;
  peak = rssBefore;

  started = performance.now();
  const counts = await diffCounts(await reader(b), await reader(a));
  const countMs = performance.now() - started;
  started = performance.now();
  // The worst page: a kind with no identifier at all reads both digests to their end.
  const page = await diffPage(await reader(a), await reader(a), 'changed', 1000);
  const pageMs = performance.now() - started;
  console.log(
    JSON.stringify(
      {
        identifiers: N,
        digestBytes: mb(a.byteLength),
        buildOneDigestMs: Math.round(buildMs),
        diffCountsMs: Math.round(countMs),
        emptyKindPageMs: Math.round(pageMs),
        emptyKindPageItems: page.identifiers.length,
        counts,
        rssBeforeDiff: mb(rssBefore),
        peakRssDuringDiff: mb(peak),
      },
      null,
      2,
    ),
  );
  const expected = { added: N / 10, removed: N / 10, changed: Math.ceil((N - N / 10) / 100), unchanged: N - N / 10 - Math.ceil((N - N / 10) / 100) };
  if (JSON.stringify(counts) !== JSON.stringify(expected)) throw new Error(`counts ${JSON.stringify(counts)} are not ${JSON.stringify(expected)}`);
}

await main();
