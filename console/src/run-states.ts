/**
 * What a run page says when there is nothing to list: always the true reason, never a
 * sentence that contradicts the counters above it (an error run's items all count as failed
 * in Sync History, whatever its records said).
 */
import { count } from './format.ts';

export interface RunCounts {
  status: string;
  itemsTotal: number;
  itemsFailed: number;
  batchCount: number;
  records: { received: number; failed: number; inProgress: number; superseded: number };
}

const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** Why the run has no record rows at all, no batch having been posted (null when it has some). */
export function noRecordsReason(run: RunCounts): { title: string; text: string } | null {
  if (run.batchCount > 0) return null;
  if (run.status === 'running') return { title: 'No records yet', text: 'Records appear here as the producer posts batches.' };
  if (run.status === 'error')
    return {
      title: 'No records were posted',
      text: run.itemsTotal > 0
        ? `The run ended in error before the producer posted any record: Sync History counts its ${plural(run.itemsTotal, 'item')} as failed, and there are no rows to list.`
        : 'The run ended in error before the producer posted any record.',
    };
  if (run.itemsTotal > 0)
    return { title: 'Counts only, no row-level records', text: `The producer reported ${plural(run.itemsTotal, 'item')} without posting records (an OpenLineage run, or a completion with itemsTotal), so there are no rows to list.` };
  return { title: 'No records', text: 'The run finished without any record.' };
}

/** What the failure groups say when no posted record failed (null when some did). */
export function noFailuresReason(run: RunCounts): string | null {
  if (run.records.failed > 0) return null;
  if (run.status === 'error')
    return `No posted record failed, but the run ended in error, so Sync History counts all its ${plural(run.itemsTotal, 'item')} as failed. The records below keep the status the producer reported.`;
  const unsent = Math.max(0, run.itemsTotal - (run.records.received - run.records.superseded));
  const inProgress = run.records.inProgress;
  if (run.status === 'running') return inProgress > 0 ? `No record has failed so far; ${plural(inProgress, 'record is', 'records are')} still in progress.` : 'No record has failed so far.';
  const parts = [unsent > 0 ? `${plural(unsent, 'item')} the producer counted but never sent` : '', inProgress > 0 ? `${plural(inProgress, 'record')} still in progress at completion` : ''].filter(Boolean);
  if (run.itemsFailed > 0 && parts.length) return `No posted record failed. The ${plural(run.itemsFailed, 'failed item')} in Sync History ${run.itemsFailed === 1 ? 'is' : 'are'} ${parts.join(' and ')}.`;
  return 'No failed records. Every record of this run was processed.';
}
