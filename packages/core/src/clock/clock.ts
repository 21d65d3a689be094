/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * The time source of a broker and of the runtime that drives it. Everything in polyqueue that
 * waits (leases, backoff, delays, handler timeouts) goes through one Clock, which is what lets the
 * memory adapter run on virtual time where days pass in milliseconds.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}
