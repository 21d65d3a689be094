import type { Receiver } from '@polyqueue/core/driver';
import type { BusReceiver } from './bus/bus-client.js';
import { decodeReceived } from './message-codec.js';
import type { QueueContext } from './queue-context.js';
import { ServiceBusDelivery } from './servicebus-delivery.js';

/**
 * How long one receive call waits for a first message. No abort signal is passed to the SDK: an
 * aborted receive can leave messages locked on the link yet never handed out, each then lost for
 * a lease. A short wait instead bounds how long `receive` outlives its signal (SPI: about 1 s).
 */
export const RECEIVE_WAIT_MS = 1_000;

/** A worker's receiver on a queue without sessions: one peek-lock SDK receiver, opened on first use. */
export class ServiceBusQueueReceiver implements Receiver {
  readonly #queue: QueueContext;
  #receiver: BusReceiver | undefined;
  #closed = false;

  constructor(queue: QueueContext) {
    this.#queue = queue;
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly ServiceBusDelivery[]> {
    if (this.#closed || signal.aborted) return [];
    this.#receiver ??= this.#queue.opened(this.#queue.bus.receiver(this.#queue.nativeName));
    const receiver = this.#receiver;
    const messages = await receiver.receiveMessages(max, { maxWaitTimeInMs: RECEIVE_WAIT_MS });
    return messages.map((message) =>
      this.#queue.track(
        new ServiceBusDelivery(message, decodeReceived(message), this.#queue.context(receiver)),
      ),
    );
  }

  /** Stops receiving. The SDK receiver stays open until the driver closes: handed-out deliveries still settle through it. */
  async close(): Promise<void> {
    this.#closed = true;
  }
}
