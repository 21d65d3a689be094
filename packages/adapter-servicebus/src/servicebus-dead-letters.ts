import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import {
  type DeadLetterStore,
  type QueueTopology,
  type RedriveRequest,
  type RedriveSource,
  redrive,
  redrivenMeta,
  type SendOutcome,
  type StoredDeadLetter,
} from '@polyqueue/core/driver';
import type { BusReceiver } from './bus/bus-client.js';
import { copyMessageId } from './copy-id.js';
import { HeldDeadLetters } from './held-dead-letters.js';
import { decodeReceived, toServiceBusMessage } from './message-codec.js';
import type { QueueContext } from './queue-context.js';

/** Messages per receive or peek call on the dead-letter sub-queue. */
const PAGE = 50;
/** How long one receive waits for dead letters that a peek has shown to be there. */
const DRAIN_WAIT_MS = 1_000;
/** How long a redrive with a selection may hold the letters it refuses (their locks renewed meanwhile). */
const SELECT_HOLD_MS = 10 * 60_000;

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
   * The kit's redrive loop: resend to the source queue, confirmed, then complete the dead letter:
   * a crash in between leaves a duplicate, never a loss. The attempt count starts again
   * (`redrivenMeta`, and a new message has a delivery count of 0); the dead-letter properties are
   * not copied. The copy's messageId comes from the job id and the dead letter's sequence number,
   * so that with duplicate detection a second resend of the same dead letter (after such a crash)
   * is dropped.
   *
   * One job can be in the sub-queue twice (two copies of it each dead-lettered, after a crash
   * between a retry's schedule and its complete): within one call a job id is resent once, and its
   * later copies are completed without a resend (once the first is confirmed), and not counted.
   * Letters not moved are abandoned: given back at once. Abandoning a dead letter raises its
   * delivery count but nothing acts on it there: a message cannot be dead-lettered from the
   * dead-letter sub-queue, and time-to-live is not observed in it ("Overview of Service Bus
   * dead-letter queues").
   *
   * With `select`, the letters it refuses stay locked by this call until it ends (so that its
   * later receives go on past them), their locks renewed meanwhile (`HeldDeadLetters`), and are
   * abandoned then.
   */
  async redrive({ limit, select }: RedriveRequest): Promise<number> {
    return this.#withReceiver(async (receiver) => {
      const held = new HeldDeadLetters(receiver, this.#queue.clock);
      const source: RedriveSource<ServiceBusReceivedMessage> = {
        take: async (max) => {
          held.check();
          if (!(await this.#anyLeft(held))) return [];
          const page = await this.#receive(receiver, max);
          if (select !== undefined) held.add(page);
          return page;
        },
        jobId: (message) => decodeReceived(message).meta.id,
        publish: (messages) =>
          Promise.all(messages.map((message) => this.#sendBack(message).then(ok, failed))),
        remove: async (messages) => {
          held.release(messages);
          for (const message of messages) await receiver.completeMessage(message);
        },
        // Every one abandoned even when one fails (a lost lock): the others are not left locked.
        handBack: async (messages) => {
          held.release(messages);
          const results = await Promise.allSettled(
            messages.map((message) => receiver.abandonMessage(message)),
          );
          const failure = results.find((result) => result.status === 'rejected');
          if (failure) throw failure.reason;
        },
      };
      try {
        return await redrive(source, {
          limit,
          batchSize: PAGE,
          ...(select !== undefined
            ? { select: (message: ServiceBusReceivedMessage) => select(toStoredDeadLetter(message)) }
            : {}),
          hold: { ms: SELECT_HOLD_MS, now: () => this.#queue.clock.now() },
        });
      } finally {
        held.stop();
      }
    });
  }

  /** A copy of the dead letter on its source queue, as a fresh job of it. */
  async #sendBack(message: ServiceBusReceivedMessage): Promise<void> {
    const decoded = decodeReceived(message);
    const source = decoded.deadLetter?.sourceQueue || this.#topology.name;
    const meta = redrivenMeta(decoded.meta, message.enqueuedTimeUtc?.getTime() ?? Date.now());
    const copy = toServiceBusMessage(
      { body: decoded.body, attributes: decoded.attributes, meta },
      {
        messageId: copyMessageId(decoded.meta.id, 'redrive', message.sequenceNumber),
        ...(message.sessionId !== undefined ? { sessionId: message.sessionId } : {}),
      },
    );
    await this.#queue.bus.sender(this.#nativeName(source)).sendMessages([copy]);
  }

  async purge(): Promise<number> {
    return this.#withReceiver(async (receiver) => {
      let done = 0;
      for (;;) {
        const page = (await this.#anyLeft()) ? await this.#receive(receiver, PAGE) : [];
        if (page.length === 0) return done;
        for (const message of page) await receiver.completeMessage(message);
        done += page.length;
      }
    });
  }

  /**
   * Up to `max` dead letters, locked. A receive can return fewer messages than are there, so an
   * empty or short page does not prove the sub-queue drained: callers ask `#anyLeft` (a fresh
   * peek, which does, without waiting) first. An empty page after it means what is left is locked
   * by another receiver.
   */
  #receive(receiver: BusReceiver, max: number): Promise<ServiceBusReceivedMessage[]> {
    return receiver.receiveMessages(max, { maxWaitTimeInMs: DRAIN_WAIT_MS });
  }

  /**
   * Whether a peek shows a dead letter, other than those `held` by this call (a peek shows locked
   * letters too): pages on past them.
   */
  async #anyLeft(held?: HeldDeadLetters): Promise<boolean> {
    return this.#withReceiver(async (receiver) => {
      for (;;) {
        const page = await receiver.peekMessages(held === undefined ? 1 : PAGE);
        if (page.length === 0) return false;
        if (held === undefined || page.some((message) => !held.has(message))) return true;
      }
    });
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

const OK: SendOutcome = Object.freeze({ ok: true });
const ok = (): SendOutcome => OK;
const failed = (error: unknown): SendOutcome => ({ ok: false, error });
