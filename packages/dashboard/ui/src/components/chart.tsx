import { FIELD_LABELS } from '../format';
import { type Sample, STATS_FIELDS } from '../types';

const WIDTH = 160;
const HEIGHT = 36;

/**
 * The counts over the last minutes, one line each (colours as the table's column keys). Drawn
 * with SVG attributes only: the Content-Security-Policy allows no inline style.
 */
export function Chart({ history, name }: { history: readonly Sample[]; name: string }) {
  if (history.length < 2) return <span class="muted">collecting…</span>;
  const first = history[0]!.at;
  const last = history.at(-1)!.at;
  const span = Math.max(1, last - first);
  const max = Math.max(1, ...history.flatMap((s) => STATS_FIELDS.map((f) => s[f] ?? 0)));
  const minutes = Math.max(1, Math.round(span / 60_000));
  const latest = history.at(-1)!;
  const summary = STATS_FIELDS.filter((f) => latest[f] !== null)
    .map((f) => `${FIELD_LABELS[f]} ${latest[f]}`)
    .join(', ');
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width={WIDTH}
      height={HEIGHT}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${name}: counts over the last ${minutes} min; now ${summary}`}
    >
      <line x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} class="axis" />
      {STATS_FIELDS.map((field) => {
        const points = history
          .filter((s) => s[field] !== null)
          .map((s) => {
            const x = ((s.at - first) / span) * WIDTH;
            const y = HEIGHT - 2 - ((s[field] ?? 0) / max) * (HEIGHT - 4);
            return `${x.toFixed(1)},${y.toFixed(1)}`;
          });
        return points.length < 2 ? null : (
          <polyline key={field} points={points.join(' ')} class={`line ${field}`} />
        );
      })}
    </svg>
  );
}
