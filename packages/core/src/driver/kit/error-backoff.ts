import type { Clock } from '../../clock/clock.js';
import { pause } from './sleep.js';

/**
 * The one backoff of failing background work (a forwarder's pull, a copier, a reconnect): short
 * at first, since most faults are a blip, growing while they last so that a broker that is down
 * is not hammered, and abortable so that a close never waits out a long step. It is NOT a job's
 * retry policy, which lives in core and belongs to the user.
 */
export class ErrorBackoff {
  readonly #clock: Clock;
  readonly #firstMs: number;
  readonly #maxMs: number;
  #nextMs: number;

  /** Defaults: first wait 250 ms, doubling, at most 8 s. */
  constructor(clock: Clock, options: { firstMs?: number; maxMs?: number } = {}) {
    this.#clock = clock;
    this.#firstMs = options.firstMs ?? 250;
    this.#maxMs = Math.max(this.#firstMs, options.maxMs ?? 8_000);
    this.#nextMs = this.#firstMs;
  }

  /** How long the next `wait` will pause. */
  get nextMs(): number {
    return this.#nextMs;
  }

  /** Pauses for the current step, then doubles it; resolves early (without error) on abort. */
  async wait(signal: AbortSignal): Promise<void> {
    const ms = this.#nextMs;
    this.#nextMs = Math.min(ms * 2, this.#maxMs);
    await pause(this.#clock, ms, signal);
  }

  /** After a success: the next failure waits the first step again. */
  reset(): void {
    this.#nextMs = this.#firstMs;
  }
}
