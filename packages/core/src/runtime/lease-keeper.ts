import type { Clock, TimerHandle } from '../clock/clock.js';

export interface Leased {
  leaseExpiresAt: number;
}

/**
 * Extends the leases of every delivery a worker holds, buffered or running, so that no other
 * consumer receives a job while it is being handled (L1, L2), and of those its receiver holds
 * back for it (`ReceiverOptions.keepLease`: SQS FIFO followers). One timer per worker rather than
 * one per job: it wakes every third of a lease while anything is held, and extends whatever has
 * half a lease or less left.
 */
export class LeaseKeeper<T extends Leased> {
  readonly #clock: Clock;
  readonly #leaseMs: number;
  readonly #held: readonly Iterable<T>[];
  readonly #extend: (item: T) => Promise<unknown>;
  readonly #extended: ((count: number) => void) | undefined;
  #timer: TimerHandle | undefined;
  #stopped = false;

  /**
   * `held`: what to keep, iterated afresh at every tick, so its contents may change freely.
   * `extended`: told how many extensions a tick asked for, when any (instrumentation's count).
   */
  constructor(
    clock: Clock,
    leaseMs: number,
    held: readonly Iterable<T>[],
    extend: (item: T) => Promise<unknown>,
    extended?: (count: number) => void,
  ) {
    this.#clock = clock;
    this.#leaseMs = leaseMs;
    this.#held = held;
    this.#extend = extend;
    this.#extended = extended;
  }

  /**
   * Call when deliveries arrive. The timer runs only while something is held, so an idle worker
   * costs nothing and a virtual clock can jump straight over long backoffs.
   */
  wake(): void {
    if (this.#timer === undefined && !this.#stopped) this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => this.#tick(), Math.max(1, Math.floor(this.#leaseMs / 3)));
  }

  #tick(): void {
    const now = this.#clock.now();
    const threshold = now + this.#leaseMs / 2;
    let holding = false;
    let extended = 0;
    for (const items of this.#held) {
      for (const item of items) {
        holding = true;
        if (item.leaseExpiresAt <= threshold) {
          item.leaseExpiresAt = now + this.#leaseMs;
          extended++;
          void this.#extend(item);
        }
      }
    }
    if (extended > 0) this.#extended?.(extended);
    this.#timer = undefined;
    if (holding && !this.#stopped) this.#schedule();
  }
}
