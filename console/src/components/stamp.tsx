import { stamp } from '../format.ts';

/** A timestamp as date over time (UTC), the exact ISO value on hover. */
export function Stamp({ iso, empty = '—' }: { iso: string | null | undefined; empty?: string }) {
  if (!iso) return <span class="muted">{empty}</span>;
  const { date, time } = stamp(new Date(iso).toISOString());
  return (
    <time class="stamp" dateTime={iso} title={iso}>
      <span>{date}</span>
      <span class="stamp-time">{time}</span>
    </time>
  );
}
