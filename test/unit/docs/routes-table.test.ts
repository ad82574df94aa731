import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_DOC, withRoutesTable } from '../../../infra/docs/routes-table.ts';

describe('docs/api.md route table', () => {
  it('is the one generated from the route table (run `npm run docs:routes`)', () => {
    const markdown = readFileSync(API_DOC, 'utf8');
    expect(markdown).toBe(withRoutesTable(markdown));
  });
});
