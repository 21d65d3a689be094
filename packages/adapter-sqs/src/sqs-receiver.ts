import type { Message } from '@aws-sdk/client-sqs';
import {
  type Delivery,
  pause,
  type Receiver,
  type ReceiverOptions,
  untilAborted,
} from '@polyqueue/core/driver';
import { FifoGate } from './fifo-gate.js';
import { type QueueContext, SHORT_POLL_IDLE_MS } from './queue-context.js';
import type { QueueRef } from './queue-ref.js';
import { SqsDelivery } from './sqs-delivery.js';
import { toSeconds } from './visibility.js';

/** SQS returns at most 10 messages per receive. */
const MAX_RECEIVE = 10;

/**
 * Long-polls a work queue for one worker. Asks for the attempt count both ways: real SQS reads
 * `MessageSystemAttributeNames`, older emulators only the deprecated `AttributeNames`.
 */
export class SqsReceiver implements Receiver {
  /** One ReceiveMessage brings up to 10: the worker refills once that much room is free. */
  readonly batching = { preferred: MAX_RECEIVE };
  readonly #context: QueueContext;
  readonly #leaseMs: number;
  readonly #maxUnsettled: number;
  readonly #keepLease: ReceiverOptions['keepLease'];
  readonly #gate: FifoGate | undefined;
  /** FIFO followers held back by the gate, and how to stop the core keeping their lease. */
  readonly #leases = new Map<SqsDelivery, () => void>();
  #queue: QueueRef | undefined;
  #release: (() => void) | undefined;
  #closed = false;

  constructor(context: QueueContext, options: ReceiverOptions) {
    this.#context = context;
    this.#leaseMs = options.leaseMs;
    this.#maxUnsettled = options.maxUnsettled;
    this.#keepLease = options.keepLease;
    this.#gate = context.fifo ? new FifoGate((deliveries) => this.#giveBack(deliveries)) : undefined;
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]> {
    if (this.#closed || signal.aborted) return [];
    if (this.#queue === undefined) {
      this.#queue = await this.#context.work();
      this.#release = this.#context.openServices();
    }
    const gate = this.#gate;
    if (gate !== undefined) {
      const ready = gate.takeReady(max);
      if (ready.length > 0) return this.#handOut(ready);
      const room = Math.min(max, this.#maxUnsettled) - gate.waiting;
      if (room <= 0) {
        await gate.waitForReady(1_000, signal);
        return this.#handOut(gate.takeReady(max));
      }
      const received = await this.#poll(this.#queue, Math.min(room, MAX_RECEIVE), signal);
      return received.filter((delivery) => gate.admit(delivery) || this.#holdBack(delivery));
    }
    return this.#poll(this.#queue, Math.min(max, MAX_RECEIVE), signal);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#release?.();
    if (this.#gate !== undefined) await this.#giveBack(this.#gate.drain());
  }

  /**
   * One ReceiveMessage. When `signal` aborts first, resolves with nothing at once and gives back
   * whatever the still-running long poll returns, so nothing waits out a lease.
   */
  async #poll(queue: QueueRef, count: number, signal: AbortSignal): Promise<SqsDelivery[]> {
    const request = this.#context.calls.receive(queue, {
      MaxNumberOfMessages: count,
      WaitTimeSeconds: this.#context.waitTimeSeconds,
      VisibilityTimeout: toSeconds(this.#leaseMs),
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      AttributeNames: ['All'],
    });
    const toDeliveries = (messages: readonly Message[]) =>
      messages.map((message) => new SqsDelivery(this.#context, queue, message));
    // undefined: aborted while the request runs on; what it brings late is given back.
    const outcome = await untilAborted(request, signal);
    if (outcome !== undefined) {
      if (outcome.length === 0 && this.#context.waitTimeSeconds === 0)
        await pause(this.#context.clock, SHORT_POLL_IDLE_MS, signal);
      return toDeliveries(outcome);
    }
    request.then(
      (late) => this.#giveBack(toDeliveries(late)),
      // Cut short by the driver's close: the close working, not a fault.
      (error: unknown) => {
        if (this.#context.alive()) this.#background('receive', error);
      },
    );
    return [];
  }

  /**
   * A follower the gate holds back: the core keeps its lease (on the worker's schedule and clock)
   * until it is handed out or given back. Returns false: it is not handed out now.
   */
  #holdBack(delivery: SqsDelivery): false {
    this.#leases.set(delivery, this.#keepLease?.(delivery) ?? (() => undefined));
    return false;
  }

  /** Followers whose turn came: the worker keeps their lease on from where the core left it. */
  #handOut(deliveries: SqsDelivery[]): SqsDelivery[] {
    for (const delivery of deliveries) this.#leases.delete(delivery);
    return deliveries;
  }

  async #giveBack(deliveries: readonly SqsDelivery[]): Promise<void> {
    for (const delivery of deliveries) {
      this.#leases.get(delivery)?.();
      this.#leases.delete(delivery);
    }
    // A failed give-back loses nothing (the message returns when its lease ends), but is reported.
    await Promise.all(
      deliveries.map((delivery) =>
        delivery.giveBack().catch((error) => this.#background('give-back', error)),
      ),
    );
  }

  /**
   * A failure of work no receive awaits (also while closing): reported to the broker, never
   * dropped, never thrown. A failed give-back loses nothing: the message returns when its lease ends.
   */
  #background(action: string, error: unknown): void {
    this.#context.report(action, error);
  }
}
