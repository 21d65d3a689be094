import type { Delivery, Receiver, ReceiverOptions } from '@polyqueue/core/driver';
import { pause } from './delay-forwarder.js';
import { PullDelivery } from './pull-delivery.js';
import { leaseSeconds, type QueueConnection } from './queue-connection.js';

export interface PullReceiverSettings {
  /** Long-poll (real Pub/Sub) or poll every `pollIntervalMs` (an emulator). */
  readonly wait: boolean;
  readonly pollIntervalMs: number;
  /** Called on first receive: starts the queue's delay forwarder in this process. */
  readonly open: () => void;
  /** Called on close: the forwarder stops when no receiver of its queue is left. */
  readonly close: () => void;
}

/**
 * A worker's receiver: unary pulls of at most `max` messages from the work subscription. Pulling
 * exactly what the worker has room for keeps the concurrency + prefetch bound on the wire (the
 * SDK's streaming pull would buffer and lease more than asked).
 */
export class PullReceiver implements Receiver {
  readonly #queue: QueueConnection;
  readonly #options: ReceiverOptions;
  readonly #settings: PullReceiverSettings;
  /** The subscription's own ack deadline, read on first receive. */
  #deadlineSeconds: number | undefined;
  #open = false;
  #closed = false;

  constructor(queue: QueueConnection, options: ReceiverOptions, settings: PullReceiverSettings) {
    this.#queue = queue;
    this.#options = options;
    this.#settings = settings;
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]> {
    const queue = this.#queue;
    if (this.#closed || !queue.alive) return [];
    this.#deadlineSeconds ??= await queue.api.getAckDeadlineSeconds(queue.names.work);
    if (!this.#open) {
      this.#open = true;
      this.#settings.open();
    }
    while (!signal.aborted && queue.alive) {
      const messages = await queue.api.pull(queue.names.work, max, { wait: this.#settings.wait, signal });
      if (messages.length > 0) {
        if (!queue.alive) return []; // abandoned mid-pull: never hand out (the broker redelivers)
        if (leaseSeconds(this.#options.leaseMs) !== this.#deadlineSeconds)
          await queue.startLeases(messages, this.#options.leaseMs);
        return messages.map((message) => {
          const delivery = new PullDelivery(queue, message, queue.received(message));
          queue.track(delivery);
          return delivery;
        });
      }
      // An emulator is polled; a long poll that came back empty is not retried in a tight loop.
      await pause(this.#settings.pollIntervalMs, signal);
    }
    return [];
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#open) this.#settings.close();
  }
}
