import type { Capabilities } from '../driver/capabilities.js';

/**
 * The capabilities as `broker.capabilities` hands them out: the driver's values, plus a `toJSON`
 * that writes an unlimited value as "Infinity" instead of JSON's `null` (which reads as "none",
 * the opposite). `Number("Infinity")` reads it back. The copy is frozen and otherwise equal to the
 * driver's (toJSON is not enumerable); its lists (the `stats` fields) are frozen copies too.
 */
export function printableCapabilities(capabilities: Capabilities): Capabilities {
  const copy = { ...capabilities, stats: Object.freeze([...capabilities.stats]) };
  Object.defineProperty(copy, 'toJSON', { value: () => withInfinityAsText(capabilities) });
  return Object.freeze(copy);
}

function withInfinityAsText(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value === null || typeof value !== 'object') return value;
  // A list (the stats fields) stays a list: Object.entries would make it {"0": ...}.
  if (Array.isArray(value)) return value.map(withInfinityAsText);
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withInfinityAsText(inner)]));
}
