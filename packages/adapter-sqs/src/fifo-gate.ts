import { Wakeup } from '@polyqueue/core/driver';
import type { SettleKind, SqsDelivery } from './sqs-delivery.js';

/**
 * One job per message group at a time, in order, inside one receiver. SQS FIFO holds a group back
 * while one of its messages is in flight, but a single receive may still return several messages
 * of one group: the first is handed out, the rest wait here (their leases kept) until it settles.
 * When it succeeds or is dead-lettered, the next one is handed out; when it goes back (retry,
 * release), the waiting ones are given back too, so that SQS redelivers the group in order.
 */
export class FifoGate {
  /** Groups with a message handed out; the value is what waits behind it, in order. */
  readonly #groups = new Map<string, SqsDelivery[]>();
  readonly #ready: SqsDelivery[] = [];
  #waitingCount = 0;
  readonly #turn = new Wakeup();
  readonly #giveBack: (deliveries: SqsDelivery[]) => void;

  constructor(giveBack: (deliveries: SqsDelivery[]) => void) {
    this.#giveBack = giveBack;
  }

  /** Held back, not handed out: they count toward what the receiver holds on the wire. */
  get waiting(): number {
    return this.#waitingCount;
  }

  /** Every held-back delivery, for lease keeping. */
  *held(): Iterable<SqsDelivery> {
    for (const queue of this.#groups.values()) yield* queue;
  }

  /** True: hand it out now. False: it waits behind its group's current message. */
  admit(delivery: SqsDelivery): boolean {
    const group = delivery.group;
    if (group === undefined) return true;
    const queue = this.#groups.get(group);
    if (queue !== undefined) {
      queue.push(delivery);
      this.#waitingCount++;
      return false;
    }
    this.#groups.set(group, []);
    delivery.onSettled = (kind) => this.#settled(group, kind);
    return true;
  }

  /** Deliveries whose turn has come, up to `max`. */
  takeReady(max: number): SqsDelivery[] {
    return this.#ready.splice(0, max);
  }

  /** Resolves when a delivery becomes ready, after `ms` at most, or on abort. */
  async waitForReady(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#ready.length > 0) return;
    await this.#turn.wait(AbortSignal.any([signal, AbortSignal.timeout(ms)]));
  }

  /** The receiver is closing: everything still waiting goes back to SQS. */
  drain(): SqsDelivery[] {
    const all = [...this.held(), ...this.#ready.splice(0)];
    this.#groups.clear();
    this.#waitingCount = 0;
    return all;
  }

  #settled(group: string, kind: SettleKind): void {
    const queue = this.#groups.get(group);
    if (queue === undefined) return;
    if (kind === 'back' || queue.length === 0) {
      this.#groups.delete(group);
      this.#waitingCount -= queue.length;
      if (queue.length > 0) this.#giveBack(queue);
      return;
    }
    const next = queue.shift()!;
    this.#waitingCount--;
    next.onSettled = (nextKind) => this.#settled(group, nextKind);
    this.#ready.push(next);
    this.#turn.notify();
  }
}
