import type { Clock } from '../clock/clock.js';
import type { Delivery } from '../driver/delivery.js';

/** A delivery a receiver holds back (`ReceiverOptions.keepLease`): only its lease is ours. */
export interface HeldBack {
  readonly delivery: Delivery;
  leaseExpiresAt: number;
}

/**
 * What a receiver holds back for a later receive (SQS FIFO behind an earlier job of its group, a
 * Pub/Sub pull that brought more than was asked), whose leases core keeps meanwhile: for a worker
 * and for a move alike. Iterated by their `LeaseKeeper`; a delivery handed out leaves with
 * `take`, and its lease runs on from where it was kept.
 */
export class HeldBackLeases implements Iterable<HeldBack> {
  readonly #entries = new Map<Delivery, HeldBack>();
  readonly #clock: Clock;
  readonly #leaseMs: number;
  /** Tells the lease keeper there is something to keep. */
  readonly #wake: () => void;

  constructor(clock: Clock, leaseMs: number, wake: () => void) {
    this.#clock = clock;
    this.#leaseMs = leaseMs;
    this.#wake = wake;
  }

  /** `ReceiverOptions.keepLease`: keeps `delivery`'s lease until the returned function is called. */
  keep(delivery: Delivery): () => void {
    const entry: HeldBack = { delivery, leaseExpiresAt: this.#clock.now() + this.#leaseMs };
    this.#entries.set(delivery, entry);
    this.#wake();
    return () => {
      if (this.#entries.get(delivery) === entry) this.#entries.delete(delivery);
    };
  }

  /** Handed out: no longer kept here. Returns when its lease expires, or undefined if it was not held back. */
  take(delivery: Delivery): number | undefined {
    // Most receivers never hold any back: no lookup per delivery for them.
    if (this.#entries.size === 0) return undefined;
    const entry = this.#entries.get(delivery);
    if (entry !== undefined) this.#entries.delete(delivery);
    return entry?.leaseExpiresAt;
  }

  has(delivery: Delivery): boolean {
    return this.#entries.has(delivery);
  }

  /** The receiver closed: whatever it did not give back is no longer ours to keep. */
  clear(): void {
    this.#entries.clear();
  }

  [Symbol.iterator](): Iterator<HeldBack> {
    return this.#entries.values();
  }
}
