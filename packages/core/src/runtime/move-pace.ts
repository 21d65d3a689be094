import type { Clock } from '../clock/clock.js';
import { pause } from '../driver/kit/sleep.js';

/**
 * Spaces jobs out to at most `perSecond`: the k-th job since the start is taken no earlier than
 * k / perSecond seconds after it, and a take asks for at most `burst` (a quarter of a second's
 * worth, at least 1) so that jobs come in small steps, not a second's worth at once.
 */
export class MovePace {
  readonly burst: number;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  #nextAt: number;

  constructor(clock: Clock, perSecond: number) {
    this.#clock = clock;
    this.#intervalMs = 1_000 / perSecond;
    this.burst = Math.max(1, Math.floor(perSecond / 4));
    this.#nextAt = clock.now();
  }

  /** Waits (abortable, without error) until the next job's turn. */
  async turn(signal: AbortSignal): Promise<void> {
    const now = this.#clock.now();
    // No credit for idle time: a long empty stretch must not allow a flood after it.
    this.#nextAt = Math.max(this.#nextAt, now);
    if (this.#nextAt > now) await pause(this.#clock, this.#nextAt - now, signal);
  }

  /** Counts `jobs` taken. */
  took(jobs: number): void {
    this.#nextAt += jobs * this.#intervalMs;
  }
}
