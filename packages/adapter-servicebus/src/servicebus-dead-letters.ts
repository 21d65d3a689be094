import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import type { DeadLetterStore, JobMeta, QueueTopology, StoredDeadLetter } from '@polyqueue/core/driver';
import type { BusReceiver } from './bus/bus-client.js';
import { copyMessageId } from './copy-id.js';
import { decodeReceived, toServiceBusMessage } from './message-codec.js';
import type { QueueContext } from './queue-context.js';

/** Messages per receive or peek call on the dead-letter sub-queue. */
const PAGE = 50;
/** How long one receive waits for dead letters that a peek has shown to be there. */
const DRAIN_WAIT_MS = 1_000;

/**
 * The queue's native dead-letter sub-queue (`<queue>/$deadletterqueue`). Service Bus has no
 * server-side redrive: messages are received, resent to their source queue, then completed.
 */
export class ServiceBusDeadLetterStore implements DeadLetterStore {
  readonly #queue: QueueContext;
  readonly #topology: QueueTopology;
  readonly #nativeName: (queue: string) => string;

  constructor(queue: QueueContext, topology: QueueTopology, nativeName: (queue: string) => string) {
    this.#queue = queue;
    this.#topology = topology;
    this.#nativeName = nativeName;
  }

  /** Peeking neither locks nor counts a delivery. */
  async peek(limit: number): Promise<readonly StoredDeadLetter[]> {
    return this.#withReceiver(async (receiver) => {
      const letters: StoredDeadLetter[] = [];
      while (letters.length < limit) {
        const page = await receiver.peekMessages(Math.min(PAGE, limit - letters.length));
        if (page.length === 0) break;
        for (const message of page) letters.push(toStoredDeadLetter(message));
      }
      return letters;
    });
  }

  /**
   * Resend to the source queue, confirmed, then complete the dead letter: a crash in between
   * leaves a duplicate, never a loss. The attempt count starts again (attemptOffset 0, and a new
   * message has a delivery count of 0); the dead-letter properties are not copied. The copy's
   * messageId comes from the job id and the dead letter's sequence number, so that with duplicate
   * detection a second resend of the same dead letter (after such a crash) is dropped.
   *
   * One job can be in the sub-queue twice (two copies of it each dead-lettered, after a crash
   * between a retry's schedule and its complete): within one call a job id is resent once, and its
   * later copies are completed without a resend, and not counted.
   */
  async redrive(limit = Number.POSITIVE_INFINITY): Promise<number> {
    const redriven = new Set<string>();
    return this.#drain(limit, async (message) => {
      const decoded = decodeReceived(message);
      if (redriven.has(decoded.meta.id)) return false;
      const source = decoded.deadLetter?.sourceQueue || this.#topology.name;
      const meta: JobMeta = {
        enqueuedAt: message.enqueuedTimeUtc?.getTime() ?? Date.now(),
        ...decoded.meta,
        attemptOffset: 0,
      };
      const { notBefore: _dropped, ...due } = meta;
      const copy = toServiceBusMessage(
        { body: decoded.body, attributes: decoded.attributes, meta: due },
        {
          messageId: copyMessageId(decoded.meta.id, 'redrive', message.sequenceNumber),
          ...(message.sessionId !== undefined ? { sessionId: message.sessionId } : {}),
        },
      );
      await this.#queue.bus.sender(this.#nativeName(source)).sendMessages([copy]);
      redriven.add(decoded.meta.id);
      return true;
    });
  }

  async purge(): Promise<number> {
    return this.#drain(Number.POSITIVE_INFINITY, async () => true);
  }

  /**
   * Receives up to `limit` dead letters that `before` counts, runs `before` on each, then completes
   * it. A receive can return fewer messages than are there, so an empty or short page does not
   * prove the sub-queue drained; a fresh peek does, without waiting.
   */
  async #drain(
    limit: number,
    before: (message: ServiceBusReceivedMessage) => Promise<boolean>,
  ): Promise<number> {
    return this.#withReceiver(async (receiver) => {
      let done = 0;
      while (done < limit && (await this.#anyLeft())) {
        const page = await receiver.receiveMessages(Math.min(PAGE, limit - done), {
          maxWaitTimeInMs: DRAIN_WAIT_MS,
        });
        // What is left is locked by another receiver: this one is done.
        if (page.length === 0) break;
        for (const message of page) {
          const counted = await before(message);
          await receiver.completeMessage(message);
          if (counted) done++;
        }
      }
      return done;
    });
  }

  async #anyLeft(): Promise<boolean> {
    return this.#withReceiver(async (receiver) => (await receiver.peekMessages(1)).length > 0);
  }

  async #withReceiver<T>(body: (receiver: BusReceiver) => Promise<T>): Promise<T> {
    const receiver = this.#queue.bus.receiver(this.#queue.nativeName, { subQueue: 'deadLetter' });
    try {
      return await body(receiver);
    } finally {
      await receiver.close();
    }
  }
}

function toStoredDeadLetter(message: ServiceBusReceivedMessage): StoredDeadLetter {
  const decoded = decodeReceived(message);
  return {
    body: decoded.body,
    attributes: decoded.attributes,
    meta: decoded.meta,
    // Absent when Service Bus moved it itself (MaxDeliveryCountExceeded, TTL expiry).
    ...(decoded.deadLetter ? { record: decoded.deadLetter } : {}),
    native: message,
  };
}
