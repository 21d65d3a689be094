import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Clock, TimerHandle } from './clock.js';

interface VirtualTimer {
  readonly dueAt: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. `advance(ms)` fires due timers in time order and yields to
 * the event loop after each one, so promise chains started by a timer (a handler, a settlement)
 * run before the next timer fires, just as they would in real time.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: VirtualTimer[] = [];
  #cancelled = 0;

  constructor(start = Date.UTC(2030, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer: VirtualTimer = {
      dueAt: this.#now + Math.max(0, ms),
      seq: this.#seq++,
      callback,
      cancelled: false,
    };
    this.#insert(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as VirtualTimer;
    if (timer.cancelled) return;
    timer.cancelled = true;
    // Cleared timers are dropped lazily; compact when they pile up (per-job timeouts clear a lot).
    if (++this.#cancelled > 1024 && this.#cancelled > this.#timers.length / 2) {
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      this.#cancelled = 0;
    }
  }

  /** When the earliest pending timer is due, or undefined when none is pending. */
  nextDueAt(): number | undefined {
    this.#dropCancelled();
    return this.#timers[0]?.dueAt;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }

  async advanceTo(target: number): Promise<void> {
    await settle();
    for (;;) {
      this.#dropCancelled();
      const next = this.#timers[0];
      if (next === undefined || next.dueAt > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.dueAt);
      next.callback();
      await settle();
    }
    this.#now = Math.max(this.#now, target);
    await settle();
  }

  #insert(timer: VirtualTimer): void {
    // Binary search keeps timers sorted by (dueAt, seq): equal deadlines fire in creation order.
    const timers = this.#timers;
    let lo = 0;
    let hi = timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = timers[mid]!;
      if (t.dueAt < timer.dueAt || (t.dueAt === timer.dueAt && t.seq < timer.seq)) lo = mid + 1;
      else hi = mid;
    }
    timers.splice(lo, 0, timer);
  }

  #dropCancelled(): void {
    while (this.#timers[0]?.cancelled) this.#timers.shift();
  }
}

/** Lets pending promise callbacks and immediates run: a few macrotask turns. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await yieldToEventLoop();
}
