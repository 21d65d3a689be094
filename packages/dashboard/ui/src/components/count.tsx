import { FIELD_LABELS } from '../format';
import type { StatsField } from '../types';

/**
 * One count. A count the broker cannot tell reads "n/a", never 0, with the reason on hover and
 * on keyboard focus (the title, and the accessible name, say why).
 */
export function Count({
  value,
  field,
  adapter,
}: {
  value: number | null | undefined;
  field: StatsField;
  adapter: string;
}) {
  if (value === null || value === undefined) {
    const reason = `${adapter} cannot tell the ${FIELD_LABELS[field].toLowerCase()} count (not in its capabilities.stats)`;
    return (
      <abbr class="na" title={reason} aria-label={`n/a: ${reason}`} tabIndex={0}>
        n/a
      </abbr>
    );
  }
  return <span class="count">{value.toLocaleString()}</span>;
}
