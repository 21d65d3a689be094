import type { Clock, TimerHandle } from '../clock/clock.js';
import { MinHeap } from '../util/min-heap.js';
import type { MemoryMessage } from './memory-message.js';

/**
 * The messages of one memory queue that wait for a time (a delayed send, a retry's backoff), with
 * one clock timer for the earliest. Like a broker with a native delay cap (SQS's 15 minutes), a
 * long delay waits in hops of at most `maxNativeDelayMs`, so conformance can shrink the cap and
 * see polyqueue hop.
 */
export class DelayedMessages {
  readonly #clock: Clock;
  readonly #maxNativeDelayMs: number;
  /** Called with each message once its time has come. */
  readonly #due: (message: MemoryMessage) => void;
  readonly #heap = new MinHeap<MemoryMessage>();
  #timer: TimerHandle | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(clock: Clock, maxNativeDelayMs: number, due: (message: MemoryMessage) => void) {
    this.#clock = clock;
    this.#maxNativeDelayMs = maxNativeDelayMs;
    this.#due = due;
  }

  get length(): number {
    return this.#heap.length;
  }

  add(message: MemoryMessage, dueAt: number): void {
    message.dueAt = dueAt;
    const hopEnd = Math.min(dueAt, this.#clock.now() + this.#maxNativeDelayMs);
    this.#heap.push(hopEnd, message);
    if (hopEnd < this.#timerAt) this.#arm(hopEnd);
  }

  /** Deletes every waiting message; returns how many. */
  clear(): number {
    return this.#heap.removeWhere(() => true).length;
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(() => this.#releaseDue(), at - this.#clock.now());
  }

  #releaseDue(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    for (let key = this.#heap.peekKey(); key !== undefined && key <= now; key = this.#heap.peekKey()) {
      const message = this.#heap.pop()!;
      // The end of a hop, not of the delay: wait another hop.
      if (message.dueAt > now) this.add(message, message.dueAt);
      else this.#due(message);
    }
    const next = this.#heap.peekKey();
    if (next !== undefined && next < this.#timerAt) this.#arm(next);
  }
}
