import { count, percent } from '../format.ts';

/**
 * Items processed of total, with the coverage rate as a bar; low coverage is flagged in words
 * too, but not while the run is open (its records in flight are not failures yet: it is "so far").
 */
export function CoverageCell({ processed, total, rate, threshold, running = false }: { processed: number; total: number; rate: number | null; threshold: number; running?: boolean }) {
  const low = !running && rate !== null && rate < threshold;
  return (
    <div class={`coverage${low ? ' coverage-low' : ''}`}>
      <span>
        {count(processed)} <span class="muted">of {count(total)}</span>
      </span>
      <span class="coverage-bar" aria-hidden="true">
        <span style={{ width: `${Math.round((rate ?? 0) * 100)}%` }} />
      </span>
      <span class="coverage-rate">
        {percent(rate)}
        {running && rate !== null ? <span class="muted small" title="The run is still open: counted so far"> so far</span> : null}
        {low ? <span class="coverage-flag" title={`Below this sync's ${percent(threshold, 0)} coverage threshold`}> low</span> : null}
      </span>
    </div>
  );
}
