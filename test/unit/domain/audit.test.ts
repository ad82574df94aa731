import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTION_LABELS } from '#domain/audit-entity.ts';

/** Every `.ts` file of the server code: where audit entries are written. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The action of every `recordAudit(...)` call in the code. */
function actionsWritten(): Set<string> {
  const written = new Set<string>();
  for (const file of ['shared', 'functions', 'infra'].flatMap(sources)) {
    for (const call of readFileSync(file, 'utf8').matchAll(/recordAudit\([^;]*?action: '([^']+)'/gs)) written.add(call[1]!);
  }
  return written;
}

describe('audit action labels', () => {
  it('has a label for every action the code writes, and none for an action it does not', () => {
    // Act
    const written = actionsWritten();
    // Assert
    expect(written.size).toBeGreaterThanOrEqual(10);
    expect([...written].filter((action) => !(action in AUDIT_ACTION_LABELS))).toEqual([]);
    expect(Object.keys(AUDIT_ACTION_LABELS).sort()).toEqual([...written].sort());
  });

  it.each(Object.entries(AUDIT_ACTION_LABELS))('labels %s in words, not as the raw action', (action, label) => {
    expect(label).toMatch(/^[A-Z][a-z]+( [a-z]+)*$/);
    expect(label).not.toContain(action);
  });
});
