import { day, percent } from '../format.ts';
import type { DayOutcome } from '../outcomes.ts';

const LEGEND = [
  ['complete', 'Complete'],
  ['partial', 'Partial complete'],
  ['error', 'Error'],
  ['running', 'Running'],
] as const;

const W = 720;
const H = 240;
const PAD = { top: 16, right: 48, bottom: 36, left: 40 };

/**
 * Run outcomes over time: stacked bars per day (complete, partial, error, running) and the
 * day's mean coverage as a line on the right axis, with the threshold dashed. The same
 * numbers are in a table for screen readers and for anyone who prefers to read.
 */
export function OutcomesChart({ data, threshold, title }: { data: DayOutcome[]; threshold?: number; title: string }) {
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const maxRuns = Math.max(1, ...data.map((d) => d.complete + d.partial + d.error + d.running));
  const slot = innerW / Math.max(1, data.length);
  const barW = Math.min(36, slot * 0.6);
  const y = (runs: number) => PAD.top + innerH - (runs / maxRuns) * innerH;
  const yRate = (rate: number) => PAD.top + innerH - rate * innerH;
  const x = (i: number) => PAD.left + slot * i + slot / 2;
  const ticks = maxRuns <= 4 ? Array.from({ length: maxRuns + 1 }, (_u, i) => i) : [0, Math.round(maxRuns / 2), maxRuns];
  const line = data
    .map((d, i) => (d.coverage === null ? null : `${x(i).toFixed(1)},${yRate(d.coverage).toFixed(1)}`))
    .filter(Boolean)
    .join(' ');
  const totals = data.reduce((t, d) => ({ complete: t.complete + d.complete, partial: t.partial + d.partial, error: t.error + d.error }), { complete: 0, partial: 0, error: 0 });
  const summary = `${title}: ${totals.complete} complete, ${totals.partial} partial, ${totals.error} error runs over ${data.length} days.`;
  const labelEvery = Math.ceil(data.length / 10);

  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        {ticks.map((t) => (
          <g key={`t${t}`}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} class="chart-grid" />
            <text x={PAD.left - 8} y={y(t) + 4} class="chart-axis" text-anchor="end">
              {t}
            </text>
          </g>
        ))}
        {[0, 0.5, 1].map((r) => (
          <text key={`r${r}`} x={W - PAD.right + 8} y={yRate(r) + 4} class="chart-axis">
            {percent(r, 0)}
          </text>
        ))}
        {threshold !== undefined ? <line x1={PAD.left} x2={W - PAD.right} y1={yRate(threshold)} y2={yRate(threshold)} class="chart-threshold" /> : null}
        {data.map((d, i) => {
          let top = y(0);
          const parts = (
            [
              ['complete', d.complete],
              ['partial', d.partial],
              ['error', d.error],
              ['running', d.running],
            ] as const
          ).map(([kind, n]) => {
            if (!n) return null;
            const height = (n / maxRuns) * innerH;
            top -= height;
            return <rect key={kind} x={x(i) - barW / 2} y={top} width={barW} height={height} class={`chart-bar chart-${kind}`} />;
          });
          return (
            <g key={d.day}>
              <title>{`${d.day}: ${d.complete} complete, ${d.partial} partial, ${d.error} error${d.running ? `, ${d.running} running` : ''}; coverage ${percent(d.coverage)}`}</title>
              <rect x={x(i) - slot / 2} y={PAD.top} width={slot} height={innerH} class="chart-hit" />
              {parts}
              {i % labelEvery === 0 ? (
                <text x={x(i)} y={H - PAD.bottom + 18} class="chart-axis" text-anchor="middle">
                  {day(`${d.day}T00:00:00Z`)}
                </text>
              ) : null}
            </g>
          );
        })}
        {line ? <polyline points={line} class="chart-line" /> : null}
        {data.map((d, i) => (d.coverage === null ? null : <circle key={`c${d.day}`} cx={x(i)} cy={yRate(d.coverage)} r={3.5} class="chart-point" />))}
      </svg>
      <figcaption class="chart-legend">
        {LEGEND.map(([kind, label]) => (
          <span key={kind}>
            <i class={`swatch chart-${kind}`} aria-hidden="true" />
            {label}
          </span>
        ))}
        <span>
          <i class="swatch swatch-line" aria-hidden="true" />
          Coverage (right axis){threshold !== undefined ? `, threshold ${percent(threshold, 0)} dashed` : ''}
        </span>
      </figcaption>
      <details class="chart-table">
        <summary>Show as a table</summary>
        <table class="table compact">
          <caption class="visually-hidden">{summary}</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Complete</th>
              <th scope="col">Partial</th>
              <th scope="col">Error</th>
              <th scope="col">Running</th>
              <th scope="col">Coverage</th>
            </tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                <td>{d.complete}</td>
                <td>{d.partial}</td>
                <td>{d.error}</td>
                <td>{d.running}</td>
                <td>{percent(d.coverage)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
