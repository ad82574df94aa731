import type { Config } from './ports.ts';

/**
 * How long a batch's writer may hold it. Past its deadline a writer is known dead — its
 * function's timeout has passed — and others roll the batch forward or let it go.
 */
/** An inline batch's writer is a request: the API function times out after 29 s. */
export const INLINE_WRITE_DEADLINE_MS = 60_000;
/** The converter function times out after 10 minutes. */
export const CONVERSION_DEADLINE_MS = 11 * 60 * 1000;
/** A writer does not start writing its file with less than this left before its deadline. */
export const WRITE_MARGIN_MS = 10_000;

export const deadlineAfter = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();

interface Claimed {
  state: string;
  source?: 'inline' | 'upload';
  claimedAt?: string;
  writeDeadline?: string;
  createdAt: string;
  conversionStartedAt?: string;
}

/** When the batch's current writer took it on: for items from before claims were kept, when it started. */
export function claimTime(batch: Claimed): string | undefined {
  if (batch.claimedAt) return batch.claimedAt;
  return batch.state === 'writing' ? (batch.conversionStartedAt ?? batch.createdAt) : undefined;
}

/**
 * The writer of a batch is known dead once its deadline has passed, or, in local mode, when
 * it claimed the batch before the process started. A batch nobody claimed has no writer.
 */
export function writerIsDead(batch: Claimed, now: Date, config: Pick<Config, 'writersAliveSince'>): boolean {
  const claimed = claimTime(batch);
  if (!claimed) return false;
  if (config.writersAliveSince && claimed < config.writersAliveSince) return true;
  const deadline = batch.writeDeadline ?? deadlineAfter(new Date(claimed), batch.source === 'upload' ? CONVERSION_DEADLINE_MS : INLINE_WRITE_DEADLINE_MS);
  return Date.parse(deadline) <= now.getTime();
}
