import type { Message } from '@aws-sdk/client-sqs';
import type { Delivery, Receiver } from '@polyqueue/core/driver';
import { FifoGate } from './fifo-gate.js';
import { idlePause } from './idle-pause.js';
import type { QueueContext } from './queue-context.js';
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
  readonly #context: QueueContext;
  readonly #leaseMs: number;
  readonly #maxUnsettled: number;
  readonly #gate: FifoGate | undefined;
  #queue: QueueRef | undefined;
  #keeper: NodeJS.Timeout | undefined;
  #release: (() => void) | undefined;
  #closed = false;

  constructor(context: QueueContext, leaseMs: number, maxUnsettled: number) {
    this.#context = context;
    this.#leaseMs = leaseMs;
    this.#maxUnsettled = maxUnsettled;
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
      const out = received.filter((delivery) => gate.admit(delivery));
      if (out.length < received.length) this.#keepHeldLeases();
      return out;
    }
    return this.#poll(this.#queue, Math.min(max, MAX_RECEIVE), signal);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#keeper !== undefined) clearInterval(this.#keeper);
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
      messages.map((message) => new SqsDelivery(this.#context, queue, message, this.#leaseMs));
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const outcome = await Promise.race([request, aborted]);
      if (outcome !== 'aborted') {
        if (outcome.length === 0) await idlePause(this.#context.waitTimeSeconds, signal);
        return toDeliveries(outcome);
      }
      request.then(
        (late) => this.#giveBack(toDeliveries(late)),
        (error: unknown) => this.#background('receive', error),
      );
      return [];
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  /** Hands out deliveries that waited behind their group, with a fresh lease for the worker. */
  async #handOut(deliveries: SqsDelivery[]): Promise<SqsDelivery[]> {
    await Promise.all(deliveries.map((delivery) => delivery.extendLease(this.#leaseMs)));
    return deliveries;
  }

  async #giveBack(deliveries: readonly SqsDelivery[]): Promise<void> {
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

  /** Keeps the leases of held-back FIFO messages, as the core does for the ones it holds. */
  #keepHeldLeases(): void {
    if (this.#keeper !== undefined || this.#gate === undefined) return;
    const gate = this.#gate;
    this.#keeper = setInterval(
      () => {
        const threshold = Date.now() + this.#leaseMs / 2;
        for (const delivery of gate.held()) {
          if (delivery.visibleAt <= threshold)
            delivery
              .extendLease(this.#leaseMs)
              .catch((error) => this.#background('extend-held-lease', error));
        }
      },
      Math.max(250, Math.floor(this.#leaseMs / 3)),
    );
    this.#keeper.unref();
  }
}
