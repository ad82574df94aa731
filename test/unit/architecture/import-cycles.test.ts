/**
 * The import graph, type imports counted (ESLint's import-x/no-cycle skips them): the value
 * imports have no cycle at all (lint), and the one knot of type imports left, through the
 * ports every use case takes, may shrink but never grow: a module joining it, or any new
 * cycle anywhere, fails here. docs/architecture.md says how to untie it.
 */
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from '../../support/import-graph.ts';

/** Held together by `ports.ts`: it names these modules' entities, and each of them takes `Deps`. */
const PORTS_KNOT = [
  'shared/domain/alerts.ts',
  'shared/domain/audit.ts',
  'shared/domain/batch.ts',
  'shared/domain/coverage.ts',
  'shared/domain/deadlines.ts',
  'shared/domain/dlq.ts',
  'shared/domain/facts.ts',
  'shared/domain/metadata.ts',
  'shared/domain/org.ts',
  'shared/domain/ports.ts',
  'shared/domain/run-entity.ts',
  'shared/domain/run-presenter.ts',
  'shared/domain/sync.ts',
  'shared/domain/webhooks.ts',
];

describe('import cycles (type imports counted)', () => {
  const graph = importGraph(['shared', 'functions', 'infra', 'console/src', 'bin', 'bench', 'test']);

  it('reads the whole project', () => {
    expect(graph.size).toBeGreaterThan(250);
    expect(graph.get('functions/query/list-runs.ts')).toEqual(expect.arrayContaining(['shared/domain/run.ts', 'shared/http/api-handler.ts']));
  });

  it('finds a cycle when there is one', () => {
    const cycles = importCycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]));
    expect(cycles).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('has no cycle but the ports knot, and the knot takes in no module', () => {
    const cycles = importCycles(graph);
    expect(cycles.length).toBeLessThanOrEqual(1);
    for (const cycle of cycles) for (const module of cycle) expect(PORTS_KNOT, `${module} joined a cycle: ${cycle.join(' → ')}`).toContain(module);
  });

  it('keeps the run use cases, the server code and the console out of every cycle', () => {
    const inCycles = new Set(importCycles(graph).flat());
    for (const module of ['shared/domain/run.ts', 'shared/domain/uploads.ts', 'shared/domain/records.ts', 'shared/http/api-handler.ts', 'functions/api/router.ts', 'console/src/main.tsx']) {
      expect(graph.has(module), module).toBe(true);
      expect(inCycles.has(module), module).toBe(false);
    }
  });
});
