import type { Clock, TimerHandle } from '../clock/clock.js';
import type { MemoryMessage } from './memory-message.js';

/** A message handed to a consumer and not settled yet. */
export interface InFlight {
  readonly tag: number;
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
  readonly #held = new Map<number, InFlight>();
  #nextTag = 1;
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
    const held: InFlight = { tag: this.#nextTag++, message, owner, expiresAt };
    this.#held.set(held.tag, held);
    return held;
  }

  /** Arms the expiry timer for leases taken up to `expiresAt` (once per batch taken, not per message). */
  watch(expiresAt: number): void {
    if (expiresAt >= this.#timerAt) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = expiresAt;
    this.#timer = this.#clock.setTimeout(() => this.#expire(), Math.max(0, expiresAt - this.#clock.now()));
  }

  holds(tag: number, owner: object): boolean {
    return this.#held.get(tag)?.owner === owner;
  }

  /** Removes and returns the delivery, or undefined when `tag` is stale (settled, expired). */
  settle(tag: number): InFlight | undefined {
    const held = this.#held.get(tag);
    if (held !== undefined) this.#held.delete(tag);
    return held;
  }

  extend(tag: number, leaseMs: number): void {
    const held = this.#held.get(tag);
    if (held) held.expiresAt = this.#clock.now() + leaseMs;
  }

  /** The tags `owner` holds, for a graceful disconnect. */
  tagsOf(owner: object): number[] {
    const tags: number[] = [];
    for (const held of this.#held.values()) if (held.owner === owner) tags.push(held.tag);
    return tags;
  }

  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const held of [...this.#held.values()]) {
      if (held.expiresAt <= now) {
        // The consumer went silent: the job comes back, and that delivery counted as an attempt.
        this.#held.delete(held.tag);
        this.#expired(held.message);
      } else if (held.expiresAt < next) {
        next = held.expiresAt;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.watch(next);
  }
}
