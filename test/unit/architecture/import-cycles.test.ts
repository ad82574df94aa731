/**
 * The import graph, type imports counted (ESLint's import-x/no-cycle skips them), has no cycle:
 * entity modules are leaves and `shared/domain/ports.ts` imports only leaves, so a use case
 * can take `Deps` without the ports reaching back into it (docs/architecture.md).
 */
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from '../../support/import-graph.ts';

describe('import cycles (type imports counted)', () => {
  const graph = importGraph(['shared', 'functions', 'infra', 'console/src', 'bin', 'bench', 'test']);

  it('reads the whole project', () => {
    expect(graph.size).toBeGreaterThan(250);
    expect(graph.get('functions/query/list-runs.ts')).toEqual(expect.arrayContaining(['shared/domain/run.ts', 'shared/http/api-handler.ts']));
    // Type imports count: ports.ts imports nothing else.
    expect(graph.get('shared/domain/ports.ts')).toEqual(expect.arrayContaining(['shared/domain/run-entity.ts', 'shared/domain/sync-entity.ts']));
  });

  it('finds a cycle when there is one', () => {
    const cycles = importCycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]));
    expect(cycles).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('has no cycle', () => {
    expect(importCycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('keeps the ports, the run use cases, the server code and the console out of every cycle', () => {
    const inCycles = new Set(importCycles(graph).flat());
    for (const module of ['shared/domain/ports.ts', 'shared/domain/run.ts', 'shared/domain/uploads.ts', 'shared/domain/records.ts', 'shared/http/api-handler.ts', 'functions/api/router.ts', 'console/src/main.tsx']) {
      expect(graph.has(module), module).toBe(true);
      expect(inCycles.has(module), module).toBe(false);
    }
  });
});
