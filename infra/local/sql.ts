import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openLocalSql } from './sql-engine.ts';

/**
 * `npm run sql -- "<query>" [param ...]` or `npm run sql -- --file infra/sql/x.sql [param ...]`:
 * SQL over local mode's data with DuckDB, the same table names as Athena. Parameters fill
 * the query's `?` placeholders in order. `--json` prints JSON lines instead of a table.
 */
async function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const rest = args.filter((a) => a !== '--json');
  const fileAt = rest.indexOf('--file');
  const sql = fileAt >= 0 ? readFileSync(rest[fileAt + 1] ?? '', 'utf8') : rest.shift();
  const params = fileAt >= 0 ? rest.filter((_, i) => i !== fileAt && i !== fileAt + 1) : rest;
  if (!sql) throw new Error('usage: npm run sql -- "<query>" [param ...]   or   npm run sql -- --file <file.sql> [param ...]');

  const engine = await openLocalSql(resolve(process.env.SYNCTRAIL_DATA_DIR ?? '.synctrail'));
  try {
    const { columns, rows } = await engine.run(sql, params);
    const text = (v: unknown) => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)) : String(v));
    if (json) {
      for (const row of rows) console.log(JSON.stringify(Object.fromEntries(columns.map((c) => [c, text(row[c])]))));
      return;
    }
    const widths = columns.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => text(r[c]).length))));
    const line = (cells: string[]) => cells.map((cell, i) => cell.slice(0, widths[i]).padEnd(widths[i]!)).join(' | ');
    console.log(line(columns));
    console.log(widths.map((w) => '-'.repeat(w)).join('-+-'));
    for (const row of rows) console.log(line(columns.map((c) => text(row[c]))));
    console.log(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  } finally {
    engine.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
