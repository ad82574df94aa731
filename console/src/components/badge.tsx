import { labelOf, toneOf } from '../format.ts';

/** A status badge: colour from the seeds (green, amber, red, blue), and always the word too. */
export function Badge({ status, label }: { status: string; label?: string }) {
  const tone = toneOf(status);
  return (
    <span class={`badge badge-${tone}`} data-status={status}>
      <span class="badge-dot" aria-hidden="true" />
      {label ?? labelOf(status)}
    </span>
  );
}

export function CategoryBadge({ category }: { category: string }) {
  const tone = category === 'data' ? 'partial' : category === 'connectivity' ? 'running' : 'neutral';
  return <span class={`badge badge-${tone}`}>{category === 'data' ? 'Data problem' : category === 'connectivity' ? 'Connectivity problem' : 'Unknown'}</span>;
}
