import type { Clock, TimerHandle } from '../clock/clock.js';
import { MinHeap } from '../util/min-heap.js';
import type { MemoryMessage } from './memory-message.js';
import { ReadyMessages } from './ready-messages.js';

export interface InFlight {
  readonly tag: number;
  readonly message: MemoryMessage;
  readonly owner: object;
  expiresAt: number;
}

interface Waiter {
  readonly max: number;
  readonly owner: object;
  readonly leaseMs: number;
  readonly resolve: (taken: InFlight[]) => void;
}

export interface MemoryQueueLimits {
  /** Longest single wait the "broker" keeps; longer delays hop, like SQS's 15-minute cap. */
  readonly maxNativeDelayMs: number;
  readonly dedupWindowMs: number;
}

/**
 * One queue of the memory broker: ready messages (with per-key lanes for ordering), a delay heap,
 * the in-flight table with lease expiry, dedup ids, and receivers waiting for work.
 */
export class MemoryQueue {
  readonly name: string;
  readonly #clock: Clock;
  readonly #limits: MemoryQueueLimits;
  readonly #ready = new ReadyMessages();
  readonly #delayed = new MinHeap<MemoryMessage>();
  readonly #inFlight = new Map<number, InFlight>();
  readonly #dedup = new Map<string, { readonly id: string; readonly until: number }>();
  readonly #waiters: Waiter[] = [];
  readonly #onChange: () => void;
  #nextTag = 1;
  #delayTimer: TimerHandle | undefined;
  #delayTimerAt = Number.POSITIVE_INFINITY;
  #leaseTimer: TimerHandle | undefined;
  #leaseTimerAt = Number.POSITIVE_INFINITY;
  /** Open receivers; the test helpers' "run until idle" only waits for queues someone consumes. */
  receivers = 0;

  constructor(name: string, clock: Clock, limits: MemoryQueueLimits, onChange: () => void) {
    this.name = name;
    this.#clock = clock;
    this.#limits = limits;
    this.#onChange = onChange;
  }

  // --- producing ---------------------------------------------------------------------------

  /**
   * Accepts a message. When it duplicates a `dedupId` seen inside the window it is dropped, and the
   * id of the job that was kept is returned. Moves between queues (dead-lettering, redrive) pass
   * `dedup: false`: they are not new sends.
   */
  enqueue(message: MemoryMessage, options: { dedup: boolean } = { dedup: true }): string | undefined {
    const dedupId = message.meta.dedupId;
    if (dedupId !== undefined && options.dedup) {
      const now = this.#clock.now();
      const original = this.#dedup.get(dedupId);
      if (original !== undefined && original.until > now) return original.id;
      this.#dedup.set(dedupId, { id: message.meta.id, until: now + this.#limits.dedupWindowMs });
      if (this.#dedup.size > 10_000) this.#forgetExpiredDedupIds(now);
    }
    const notBefore = message.meta.notBefore ?? 0;
    if (notBefore > this.#clock.now()) this.#delay(message, notBefore);
    else this.#makeReady(message, false);
    return undefined;
  }

  // --- consuming ---------------------------------------------------------------------------

  /** Takes up to `max` deliverable messages now, leasing each for `leaseMs`. */
  take(max: number, owner: object, leaseMs: number): InFlight[] {
    const taken: InFlight[] = [];
    const expiresAt = this.#clock.now() + leaseMs;
    while (taken.length < max) {
      const message = this.#ready.shift();
      if (message === undefined) break;
      message.deliveryCount++;
      const held: InFlight = { tag: this.#nextTag++, message, owner, expiresAt };
      this.#inFlight.set(held.tag, held);
      taken.push(held);
    }
    if (taken.length > 0) {
      this.#armLeaseTimer(expiresAt);
      this.#onChange();
    }
    return taken;
  }

  /** Resolves with deliveries as soon as any are ready, or with [] when `signal` aborts. */
  wait(max: number, owner: object, leaseMs: number, signal: AbortSignal): Promise<InFlight[]> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve([]);
      const waiter: Waiter = {
        max,
        owner,
        leaseMs,
        resolve: (taken) => {
          signal.removeEventListener('abort', onAbort);
          resolve(taken);
        },
      };
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        resolve([]);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Wakes every waiter of `owner` with nothing (its connection is going away). */
  dropWaiters(owner: object): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i]!;
      if (waiter.owner === owner) {
        this.#waiters.splice(i, 1);
        waiter.resolve([]);
      }
    }
  }

  // --- settling (a stale tag, e.g. after lease expiry, is a no-op) -------------------------

  holds(tag: number, owner: object): boolean {
    return this.#inFlight.get(tag)?.owner === owner;
  }

  ack(tag: number): MemoryMessage | undefined {
    const held = this.#settle(tag);
    if (held) {
      // The next message of its ordering key, if any, may go now.
      this.#ready.headDone(held.message);
      this.#serveWaiters();
    }
    return held?.message;
  }

  /** Redeliver after `delayMs`; the delivery count is kept, so the next one is the next attempt. */
  retry(tag: number, delayMs: number): void {
    const held = this.#settle(tag);
    if (!held) return;
    const message = held.message;
    const dueAt = this.#clock.now() + delayMs;
    if (delayMs <= 0) this.#makeReady(message, true);
    else this.#delay(message, dueAt);
  }

  /** Give back unstarted: deliverable at once, and the delivery does not count as an attempt. */
  release(tag: number): void {
    const held = this.#settle(tag);
    if (!held) return;
    held.message.deliveryCount--;
    this.#makeReady(held.message, true);
  }

  extend(tag: number, leaseMs: number): void {
    const held = this.#inFlight.get(tag);
    if (held) held.expiresAt = this.#clock.now() + leaseMs;
  }

  /** Removes a message that leaves for another queue (dead-lettering). */
  remove(tag: number): MemoryMessage | undefined {
    return this.ack(tag);
  }

  /** Every in-flight delivery of `owner` goes back to the queue (a graceful disconnect). */
  releaseAll(owner: object): void {
    for (const held of [...this.#inFlight.values()]) if (held.owner === owner) this.release(held.tag);
  }

  // --- inspection and bulk operations ------------------------------------------------------

  counts(): { ready: number; delayed: number; inFlight: number } {
    return { ready: this.#ready.count, delayed: this.#delayed.length, inFlight: this.#inFlight.size };
  }

  /** Ready messages in delivery order, without taking them. */
  readyMessages(): IterableIterator<MemoryMessage> {
    return this.#ready[Symbol.iterator]();
  }

  /** Removes up to `limit` ready messages, as a consumer would see them (for redrive and raw reads). */
  takeStored(limit: number): MemoryMessage[] {
    const taken = this.#ready.takeStored(limit);
    if (taken.length > 0) this.#onChange();
    return taken;
  }

  /** Deletes everything not in flight; returns how many. */
  purge(): number {
    const count = this.#ready.clear() + this.#delayed.length;
    this.#delayed.removeWhere(() => true);
    this.#onChange();
    return count;
  }

  // --- internals ---------------------------------------------------------------------------

  #settle(tag: number): InFlight | undefined {
    const held = this.#inFlight.get(tag);
    if (held === undefined) return undefined;
    this.#inFlight.delete(tag);
    this.#onChange();
    return held;
  }

  /**
   * Puts a message where receivers can take it. `returning` marks a message coming back (release,
   * lease expiry, retry due): see ReadyMessages.add.
   */
  #makeReady(message: MemoryMessage, returning: boolean): void {
    message.dueAt = 0;
    this.#ready.add(message, returning);
    this.#onChange();
    this.#serveWaiters();
  }

  #serveWaiters(): void {
    // `#ready` holds only what is deliverable now (a busy lane's queued messages are not).
    while (this.#waiters.length > 0 && this.#ready.deliverable) {
      const waiter = this.#waiters.shift()!;
      waiter.resolve(this.take(waiter.max, waiter.owner, waiter.leaseMs));
    }
  }

  #delay(message: MemoryMessage, dueAt: number): void {
    message.dueAt = dueAt;
    // Like a broker with a native delay cap, a long delay waits in hops of at most the cap.
    const hopEnd = Math.min(dueAt, this.#clock.now() + this.#limits.maxNativeDelayMs);
    this.#delayed.push(hopEnd, message);
    this.#onChange();
    if (hopEnd < this.#delayTimerAt) this.#armDelayTimer(hopEnd);
  }

  #armDelayTimer(at: number): void {
    if (this.#delayTimer !== undefined) this.#clock.clearTimeout(this.#delayTimer);
    this.#delayTimerAt = at;
    this.#delayTimer = this.#clock.setTimeout(() => this.#releaseDue(), at - this.#clock.now());
  }

  #releaseDue(): void {
    this.#delayTimer = undefined;
    this.#delayTimerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    for (let key = this.#delayed.peekKey(); key !== undefined && key <= now; key = this.#delayed.peekKey()) {
      const message = this.#delayed.pop()!;
      if (message.dueAt > now) this.#delay(message, message.dueAt);
      else this.#makeReady(message, this.#ready.isLaneHead(message));
    }
    const next = this.#delayed.peekKey();
    if (next !== undefined && next < this.#delayTimerAt) this.#armDelayTimer(next);
  }

  #armLeaseTimer(at: number): void {
    if (at >= this.#leaseTimerAt) return;
    if (this.#leaseTimer !== undefined) this.#clock.clearTimeout(this.#leaseTimer);
    this.#leaseTimerAt = at;
    this.#leaseTimer = this.#clock.setTimeout(
      () => this.#expireLeases(),
      Math.max(0, at - this.#clock.now()),
    );
  }

  #expireLeases(): void {
    this.#leaseTimer = undefined;
    this.#leaseTimerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const held of [...this.#inFlight.values()]) {
      if (held.expiresAt <= now) {
        // The consumer went silent: the job comes back, and that delivery counted as an attempt.
        this.#inFlight.delete(held.tag);
        this.#makeReady(held.message, true);
      } else if (held.expiresAt < next) {
        next = held.expiresAt;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.#armLeaseTimer(next);
  }

  #forgetExpiredDedupIds(now: number): void {
    for (const [dedupId, { until }] of this.#dedup) if (until <= now) this.#dedup.delete(dedupId);
  }
}
