/**
 * The route table of docs/api.md, generated from functions/routes.ts (each route's scope from its spec):
 * `npm run docs:routes` rewrites what sits between the markers; a test fails when it differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ROUTES, type Route } from '../../functions/routes.ts';

export const START = '<!-- routes:start -->';
export const END = '<!-- routes:end -->';
export const API_DOC = fileURLToPath(new URL('../../docs/api.md', import.meta.url));

const scopeOf = (route: Route) => {
  const auth = route.spec?.auth;
  return auth === undefined ? 'none' : auth === 'root' ? 'root key' : auth;
};

/** The markdown table, one row per route, in the table's order. */
export function routesTable(): string {
  const rows = ROUTES.map((route) => `| \`${route.method} ${route.path}\` | ${scopeOf(route)} | ${(route.success ?? [200]).join(', ')} | ${route.summary.replace(/\|/g, '\\|')} |`);
  return ['| endpoint | scope | success | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

/** docs/api.md with the generated table between the markers. */
export function withRoutesTable(markdown: string): string {
  const start = markdown.indexOf(START);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/api.md needs ${START} and ${END}`);
  return `${markdown.slice(0, start + START.length)}\n${routesTable()}\n${markdown.slice(end)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(API_DOC, withRoutesTable(readFileSync(API_DOC, 'utf8')));
  console.log(`docs/api.md: ${ROUTES.length} routes`);
}
