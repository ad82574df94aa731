import { count } from '../format.ts';
import type { RunView } from '../types.ts';

/**
 * A run whose producer extracted more (or fewer) rows than it reported: `unaccountedCount`
 * beside Items Total, so a run that "succeeded" short of its source stands out.
 */
export function Unaccounted({ run }: { run: Pick<RunView, 'sourceCount' | 'unaccountedCount'> }) {
  if (run.unaccountedCount === null || run.unaccountedCount === 0) return null;
  const missing = run.unaccountedCount > 0;
  const text = missing ? `${count(run.unaccountedCount)} unaccounted` : `${count(-run.unaccountedCount)} over source`;
  const title = missing
    ? `The producer extracted ${count(run.sourceCount)} rows and reported ${count(run.unaccountedCount)} fewer records`
    : `The producer reported ${count(-run.unaccountedCount)} more records than the ${count(run.sourceCount)} rows it extracted`;
  return (
    <span class="tag tag-warn unaccounted" title={title}>
      {text}
    </span>
  );
}
