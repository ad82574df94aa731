import { labelOf, toneOf, type Tone } from '../format.ts';

/** A status badge: colour from the status (green, amber, red, blue, grey), and always the word too; `tone` for states that are not run statuses. */
export function Badge({ status, label, tone: given }: { status: string; label?: string; tone?: Tone }) {
  const tone = given ?? toneOf(status);
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
