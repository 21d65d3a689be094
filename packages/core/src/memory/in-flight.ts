import type { Clock, TimerHandle } from '../clock/clock.js';
import { type Linked, LinkedSet } from '../driver/kit/linked-set.js';
import type { MemoryMessage } from './memory-message.js';

/**
 * A message handed to a consumer and not settled yet. The object itself is the delivery's handle
 * (its receipt): settling a stale one (settled, expired) is a no-op.
 */
export interface InFlight extends Linked<InFlight> {
  readonly message: MemoryMessage;
  /** The connection that holds it: settlements from any other are no-ops. */
  readonly owner: object;
  expiresAt: number;
}

/**
 * The deliveries of one memory queue that consumers hold, each under a lease, with one clock
 * timer for the earliest expiry. A lease that runs out hands its message back, as SQS's
 * visibility timeout does.
 */
export class InFlightMessages {
  readonly #clock: Clock;
  /** Called with each message whose lease ran out. */
  readonly #expired: (message: MemoryMessage) => void;
  /** A LinkedSet, not a Map: see LinkedSet for what a churning Map costs the young collector. */
  readonly #held = new LinkedSet<InFlight>();
  #timer: TimerHandle | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(clock: Clock, expired: (message: MemoryMessage) => void) {
    this.#clock = clock;
    this.#expired = expired;
  }

  get size(): number {
    return this.#held.size;
  }

  /** Leases `message` to `owner` until `expiresAt`. */
  add(message: MemoryMessage, owner: object, expiresAt: number): InFlight {
    const held: InFlight = {
      message,
      owner,
      expiresAt,
      linkedIn: undefined,
      linkPrev: undefined,
      linkNext: undefined,
    };
    this.#held.add(held);
    return held;
  }

  /** Arms the expiry timer for leases taken up to `expiresAt` (once per batch taken, not per message). */
  watch(expiresAt: number): void {
    if (expiresAt >= this.#timerAt) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = expiresAt;
    this.#timer = this.#clock.setTimeout(() => this.#expire(), Math.max(0, expiresAt - this.#clock.now()));
  }

  holds(held: InFlight, owner: object): boolean {
    return this.#held.has(held) && held.owner === owner;
  }

  /** Removes the delivery; false when it is stale (settled, expired). */
  settle(held: InFlight): boolean {
    return this.#held.delete(held);
  }

  extend(held: InFlight, leaseMs: number): void {
    if (this.#held.has(held)) held.expiresAt = this.#clock.now() + leaseMs;
  }

  /** The deliveries `owner` holds, for a graceful disconnect. */
  heldBy(owner: object): InFlight[] {
    return this.#held.toArray().filter((held) => held.owner === owner);
  }

  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const held of this.#held.toArray()) {
      if (held.expiresAt <= now) {
        // The consumer went silent: the job comes back, and that delivery counted as an attempt.
        this.#held.delete(held);
        this.#expired(held.message);
      } else if (held.expiresAt < next) {
        next = held.expiresAt;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.watch(next);
  }
}
