import type { Clock } from '../clock/clock.js';
import { DedupWindow } from './dedup-window.js';
import { DelayedMessages } from './delayed-messages.js';
import { type InFlight, InFlightMessages } from './in-flight.js';
import type { MemoryMessage } from './memory-message.js';
import type { MessageRun } from './message-run.js';
import { ReadyMessages } from './ready-messages.js';

export type { InFlight } from './in-flight.js';

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
 * One queue of the memory broker: where each message is (ready, delayed, in flight) and the
 * moves between those places, plus the receivers waiting for work. Each place is its own class.
 */
export class MemoryQueue {
  readonly name: string;
  readonly #clock: Clock;
  readonly #ready = new ReadyMessages();
  readonly #delayed: DelayedMessages;
  readonly #inFlight: InFlightMessages;
  readonly #dedup: DedupWindow;
  readonly #waiters: Waiter[] = [];
  readonly #onChange: () => void;
  /** Open receivers; the test helpers' "run until idle" only waits for queues someone consumes. */
  receivers = 0;

  constructor(name: string, clock: Clock, limits: MemoryQueueLimits, onChange: () => void) {
    this.name = name;
    this.#clock = clock;
    this.#onChange = onChange;
    this.#dedup = new DedupWindow(limits.dedupWindowMs);
    this.#delayed = new DelayedMessages(clock, limits.maxNativeDelayMs, (message) =>
      this.#makeReady(message, this.#ready.isLaneHead(message)),
    );
    this.#inFlight = new InFlightMessages(clock, (message) => this.#makeReady(message, true));
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
      const original = this.#dedup.check(dedupId, message.meta.id, this.#clock.now());
      if (original !== undefined) return original;
    }
    const notBefore = message.meta.notBefore ?? 0;
    if (notBefore > this.#clock.now()) this.#delay(message, notBefore);
    else this.#makeReady(message, false);
    return undefined;
  }

  /** Accepts plain messages (no key, delay or dedup id) stored as one run: see MessageRun. */
  enqueueRun(run: MessageRun): void {
    this.#ready.addRun(run);
    this.#onChange();
    this.#serveWaiters();
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
      taken.push(this.#inFlight.add(message, owner, expiresAt));
    }
    if (taken.length > 0) {
      this.#inFlight.watch(expiresAt);
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

  // --- settling (a stale delivery, e.g. after lease expiry, is a no-op) -------------------------

  holds(held: InFlight, owner: object): boolean {
    return this.#inFlight.holds(held, owner);
  }

  ack(held: InFlight): MemoryMessage | undefined {
    if (!this.#settle(held)) return undefined;
    // The next message of its ordering key, if any, may go now.
    this.#ready.headDone(held.message);
    this.#serveWaiters();
    return held.message;
  }

  /** Redeliver after `delayMs`; the delivery count is kept, so the next one is the next attempt. */
  retry(held: InFlight, delayMs: number): void {
    if (!this.#settle(held)) return;
    if (delayMs <= 0) this.#makeReady(held.message, true);
    else this.#delay(held.message, this.#clock.now() + delayMs);
  }

  /** Give back unstarted: deliverable at once, and the delivery does not count as an attempt. */
  release(held: InFlight): void {
    if (!this.#settle(held)) return;
    held.message.deliveryCount--;
    this.#makeReady(held.message, true);
  }

  extend(held: InFlight, leaseMs: number): void {
    this.#inFlight.extend(held, leaseMs);
  }

  /** Removes a message that leaves for another queue (dead-lettering). */
  remove(held: InFlight): MemoryMessage | undefined {
    return this.ack(held);
  }

  /** Every in-flight delivery of `owner` goes back to the queue (a graceful disconnect). */
  releaseAll(owner: object): void {
    for (const held of this.#inFlight.heldBy(owner)) this.release(held);
  }

  // --- inspection and bulk operations ------------------------------------------------------

  counts(): { ready: number; delayed: number; inFlight: number } {
    return { ready: this.#ready.count, delayed: this.#delayed.length, inFlight: this.#inFlight.size };
  }

  /** Ready messages in delivery order, without taking them. */
  readyMessages(): IterableIterator<MemoryMessage> {
    return this.#ready[Symbol.iterator]();
  }

  /** Removes up to `limit` ready messages, as a consumer would see them (for raw reads). */
  takeStored(limit: number): MemoryMessage[] {
    const taken = this.#ready.takeStored(limit);
    if (taken.length > 0) this.#onChange();
    return taken;
  }

  /** Deletes everything not in flight; returns how many. */
  purge(): number {
    const count = this.#ready.clear() + this.#delayed.clear();
    this.#onChange();
    return count;
  }

  // --- internals ---------------------------------------------------------------------------

  #settle(held: InFlight): boolean {
    const settled = this.#inFlight.settle(held);
    if (settled) this.#onChange();
    return settled;
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

  #delay(message: MemoryMessage, dueAt: number): void {
    this.#delayed.add(message, dueAt);
    this.#onChange();
  }

  #serveWaiters(): void {
    // `#ready` holds only what is deliverable now (a busy lane's queued messages are not).
    while (this.#waiters.length > 0 && this.#ready.deliverable) {
      const waiter = this.#waiters.shift()!;
      waiter.resolve(this.take(waiter.max, waiter.owner, waiter.leaseMs));
    }
  }
}
