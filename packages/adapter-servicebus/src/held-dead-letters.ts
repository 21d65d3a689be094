import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import type { Clock, TimerHandle } from '@polyqueue/core/driver';
import type { BusReceiver } from './bus/bus-client.js';

/**
 * The dead letters one redrive with a selection holds locked while it goes on past them. A lock
 * lasts the queue's lock duration (its lease, 5 s – 5 min), far less than such a call may take,
 * so the locks are renewed while held: a timer on the driver's clock renews each lock once a
 * third of it is left. A renewal that fails (a lost lock) is kept and thrown by the next `check`,
 * which ends the call: the letter is back in the sub-queue, where it was, and nothing is lost.
 */
export class HeldDeadLetters {
  readonly #receiver: BusReceiver;
  readonly #clock: Clock;
  /** By sequence number: the letter, and when it was locked (to know its lock's length). */
  readonly #held = new Map<string, { message: ServiceBusReceivedMessage; lockedAt: number }>();
  #timer: TimerHandle | undefined;
  #failure: unknown;

  constructor(receiver: BusReceiver, clock: Clock) {
    this.#receiver = receiver;
    this.#clock = clock;
  }

  has(message: ServiceBusReceivedMessage): boolean {
    return this.#held.has(keyOf(message));
  }

  /** Letters just received: held (and kept locked) until `release`. */
  add(messages: readonly ServiceBusReceivedMessage[]): void {
    const now = this.#clock.now();
    for (const message of messages) this.#held.set(keyOf(message), { message, lockedAt: now });
    this.#arm();
  }

  /** Letters completed or abandoned: no longer ours to keep locked. */
  release(messages: readonly ServiceBusReceivedMessage[]): void {
    for (const message of messages) this.#held.delete(keyOf(message));
  }

  /** Throws the first renewal failure, if any. */
  check(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#held.clear();
  }

  /** Wakes when the first held lock gets to its last third. */
  #arm(): void {
    if (this.#timer !== undefined || this.#held.size === 0 || this.#failure !== undefined) return;
    const due = Math.min(...[...this.#held.values()].map((held) => renewAt(held.message, held.lockedAt)));
    this.#timer = this.#clock.setTimeout(() => void this.#renewDue(), Math.max(0, due - this.#clock.now()));
  }

  async #renewDue(): Promise<void> {
    this.#timer = undefined;
    const now = this.#clock.now();
    const due = [...this.#held.entries()].filter(([, held]) => renewAt(held.message, held.lockedAt) <= now);
    for (const [key, held] of due) {
      try {
        const until = await this.#receiver.renewMessageLock(held.message);
        if (!this.#held.has(key)) continue;
        (held.message as { lockedUntilUtc?: Date }).lockedUntilUtc = until;
        held.lockedAt = now;
      } catch (error) {
        if (!this.#held.has(key)) continue; // settled meanwhile: its lock was no longer needed
        this.#failure ??= error;
        return;
      }
    }
    this.#arm();
  }
}

/** When a third of the letter's lock is left. */
function renewAt(message: ServiceBusReceivedMessage, lockedAt: number): number {
  const until = message.lockedUntilUtc?.getTime() ?? lockedAt;
  return until - (until - lockedAt) / 3;
}

function keyOf(message: ServiceBusReceivedMessage): string {
  return String(message.sequenceNumber);
}
