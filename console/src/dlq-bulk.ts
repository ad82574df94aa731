/**
 * The DLQ page's "Replay all matching" and "Discard all matching": the real action sent again
 * while the API says matching items remain (it moves at most 1,000 a request), added up.
 */
import type { AnswerOf } from '../../shared/http/answers/index.ts';

export type BulkVerb = 'replay' | 'discard';
export type BulkFilter = { syncId?: string; to?: string };
type Answer = AnswerOf<'dlq/bulk-replay-dlq'> | AnswerOf<'dlq/bulk-discard-dlq'>;

export interface BulkTotals {
  matched: number;
  moved: number;
  remaining: boolean;
}

/** At most this many requests per click: 20 × 1,000 items; beyond, the page says some remain. */
export const MAX_BULK_REQUESTS = 20;

const movedOf = (answer: Answer) => ('replayed' in answer ? answer.replayed : 'discarded' in answer ? answer.discarded : 0);

/** Sends the real action until nothing matching remains, a request moves nothing (another request holds the rest), or MAX_BULK_REQUESTS. */
export async function runBulk(send: (body: { filter: BulkFilter; dryRun: false }) => Promise<Answer>, filter: BulkFilter): Promise<BulkTotals> {
  const totals: BulkTotals = { matched: 0, moved: 0, remaining: false };
  for (let i = 0; i < MAX_BULK_REQUESTS; i += 1) {
    const answer = await send({ filter, dryRun: false });
    totals.matched += answer.matched;
    totals.moved += movedOf(answer);
    totals.remaining = answer.remaining;
    if (!answer.remaining || movedOf(answer) === 0) break;
  }
  return totals;
}

const records = (n: number) => `${n.toLocaleString('en-US')} record${n === 1 ? '' : 's'}`;

/** What the page says once the action is done. */
export function bulkResultText(verb: BulkVerb, totals: BulkTotals): string {
  const done = verb === 'replay' ? 'replayed: the producer receives a replay event for each' : 'discarded';
  const taken = totals.matched - totals.moved;
  return [
    totals.moved ? `${records(totals.moved)} ${done}.` : `No record was ${verb === 'replay' ? 'replayed' : 'discarded'}.`,
    taken > 0 ? `${records(taken)} had already been acted on by someone else.` : '',
    totals.remaining ? 'Some matching records remain: run it again.' : '',
  ]
    .filter(Boolean)
    .join(' ');
}
