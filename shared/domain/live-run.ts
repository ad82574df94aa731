/**
 * Loading a run the way every use case that acts on one does: batches, uploads, records,
 * lineage and the run use cases. Apart from `run-entity.ts`, which imports no port.
 */
import { notFound } from './errors.ts';
import type { Deps } from './ports.ts';
import { isExpired, type Run } from './run-entity.ts';

/** A run of this org that has not passed its retention; anything else is "not found". */
export async function loadLiveRun(deps: Pick<Deps, 'runs' | 'clock'>, orgId: string, runId: string): Promise<Run> {
  const run = await deps.runs.get(orgId, runId);
  if (!run || isExpired(run, deps.clock.now())) throw notFound(`run ${runId}`);
  return run;
}
