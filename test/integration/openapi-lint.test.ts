/**
 * The OpenAPI document through two linters: Redocly CLI's recommended rules and Spectral's
 * `spectral:oas` ruleset. Errors fail; warnings are printed (and counted) so they stay visible.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spectral, Document } from '@stoplight/spectral-core';
import { oas } from '@stoplight/spectral-rulesets';
import * as Parsers from '@stoplight/spectral-parsers';
import { describe, expect, it } from 'vitest';
import { apiDocument } from '../../functions/meta/get-openapi.ts';

const text = JSON.stringify(apiDocument(), null, 2);

describe('OpenAPI lint', () => {
  it('Spectral spectral:oas finds no errors', async () => {
    const spectral = new Spectral();
    spectral.setRuleset({ extends: [[oas as never, 'recommended']] } as never);
    const results = await spectral.run(new Document(text, Parsers.Json));
    const errors = results.filter((r) => r.severity === 0);
    const warnings = results.filter((r) => r.severity === 1);
    console.log(`spectral: ${errors.length} errors, ${warnings.length} warnings`, [...new Set(results.map((r) => r.code))].join(', '));
    expect(errors.map((r) => `${r.code} ${r.path.join('.')}: ${r.message}`)).toEqual([]);
  });

  it('Redocly CLI lint finds no errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synctrail-openapi-'));
    const file = join(dir, 'openapi.json');
    writeFileSync(file, text);
    let output = '';
    let failed = false;
    try {
      output = execFileSync(process.execPath, ['node_modules/@redocly/cli/bin/cli.js', 'lint', file, '--format', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      failed = true;
      output = String((error as { stdout?: string }).stdout ?? '');
    }
    const report = JSON.parse(output.slice(output.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; severity: string; message: string }> };
    console.log(`redocly: ${report.totals.errors} errors, ${report.totals.warnings} warnings`, [...new Set(report.problems.map((p) => p.ruleId))].join(', '));
    expect(report.problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(failed).toBe(false);
  }, 60_000);
});
