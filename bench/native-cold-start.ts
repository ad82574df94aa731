import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/**
 * `node --import tsx bench/native-cold-start.ts [runs]`: what DuckDB adds to a cold start, each run
 * in a fresh Node process (this machine's build of @duckdb/node-api from node_modules): the
 * `import`, `DuckDBInstance.create(':memory:')` and a first trivial query, and the process's wall
 * time from spawn to exit. Prints each run and the median. (Lambda's arm64 is not measured here.)
 */
const runs = Number(process.argv[2] ?? 5);
const CHILD = `
const t0 = performance.now();
const { DuckDBInstance } = await import('@duckdb/node-api');
const t1 = performance.now();
const instance = await DuckDBInstance.create(':memory:');
const t2 = performance.now();
const connection = await instance.connect();
const reader = await connection.runAndReadAll('SELECT 42 AS answer');
if (reader.getRows()[0][0] !== 42) throw new Error('unexpected answer');
const t3 = performance.now();
console.log(JSON.stringify({ import: t1 - t0, create: t2 - t1, firstQuery: t3 - t2, total: t3 - t0 }));
`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const results: Array<Record<string, number>> = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', CHILD], { cwd: process.cwd(), encoding: 'utf8' });
  results.push({ ...JSON.parse(out), process: performance.now() - started });
  console.log(`run ${i + 1}: ${Object.entries(results.at(-1)!).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ')}`);
}
const empty: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  execFileSync(process.execPath, ['--input-type=module', '-e', ''], { encoding: 'utf8' });
  empty.push(performance.now() - started);
}
const keys = Object.keys(results[0]!);
console.log(`an empty Node process, spawn to exit: median ${median(empty).toFixed(1)} ms`);
console.log(`median of ${runs}: ${keys.map((k) => `${k} ${median(results.map((r) => r[k]!)).toFixed(1)} ms`).join(', ')}`);
