import type { ReceiveBatching } from '../driver/receiver.js';

/**
 * The free room at which a worker whose handler slots are all busy calls
 * `receive` again (see `ReceiveBatching`): the receiver's `refillAt` when it states one, else the
 * smaller of its preferred batch and half the prefetch; at least 1, at most `maxUnsettled`.
 * Refilling in batches rather than on every finished job keeps one receive call from carrying one
 * delivery at a time; a worker with an idle handler slot refills at once, whatever the room.
 */
export function refillPoint(
  batching: ReceiveBatching | undefined,
  prefetch: number,
  maxUnsettled: number,
): number {
  const half = Math.max(1, Math.floor(prefetch / 2));
  const stated = usable(batching?.refillAt);
  const preferred = usable(batching?.preferred);
  const point = stated ?? (preferred === undefined ? half : Math.min(preferred, half));
  return Math.min(Math.max(1, point), Math.max(1, maxUnsettled));
}

/** A positive whole number of deliveries, or undefined for anything else (ignored, not trusted). */
function usable(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : undefined;
}
