import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import {
  type DeadLetterRecord,
  type Delivery,
  type JobMeta,
  type Linked,
  SettleOnce,
} from '@polyqueue/core/driver';
import type { BusReceiver, BusSender, BusSessionReceiver } from './bus/bus-client.js';
import { copyMessageId } from './copy-id.js';
import { deadLetterOptions } from './dead-letter-fit.js';
import {
  type DecodedMessage,
  deliveryCountOf,
  RELEASES_PROPERTY,
  toServiceBusMessage,
} from './message-codec.js';

/** What a delivery needs from its driver and receiver. */
export interface DeliveryContext {
  readonly receiver: BusReceiver | BusSessionReceiver;
  /** The sender for the queue the job came from: retry copies go there. */
  readonly sender: BusSender;
  /** False once the driver or receiver is gone: settlements are then no-ops (SPI contract). */
  alive(): boolean;
  now(): number;
  /** The broker's limit for a whole message: a dead letter's record must fit beside it. */
  readonly maxNativeMessageBytes: number;
  /** Called once the delivery is settled, so the driver stops tracking it. */
  settled(delivery: ServiceBusDelivery): void;
  /** Present when the message came from a session the receiver holds (a session queue). */
  readonly session?: SessionHooks;
}

/** What a delivery tells the session it came from, which hands out nothing else meanwhile. */
export interface SessionHooks {
  /** Acked, dead-lettered or released (or that failed: `error`): the session may go on. */
  settled(error?: unknown): void;
  /**
   * A retry: record its due time in the session state, then keep the message locked at the head
   * of its session for `delayMs` and run `abandon`. Resolves once recorded; the wait blocks this
   * session only. Rejects when the record cannot be written (the session is then lost).
   */
  park(delayMs: number, abandon: () => Promise<void>): Promise<void>;
  /** Extends the lease: the session lock, which is the message's lock. */
  extend(): Promise<void>;
}

/** One received Service Bus message (`job.raw` is the `ServiceBusReceivedMessage`). */
export class ServiceBusDelivery implements Delivery, Linked<ServiceBusDelivery> {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly meta: Partial<JobMeta> & { readonly id: string };
  readonly deliveryCount: number;
  readonly native: ServiceBusReceivedMessage;
  readonly #context: DeliveryContext;
  readonly #releases: number;
  /** A second settlement, or one after the connection closed, is a no-op. */
  readonly #once = new SettleOnce(() => this.#context.alive());
  /** The links of the driver's set of unsettled deliveries (a LinkedSet: see the driver kit). */
  linkedIn: object | undefined = undefined;
  linkPrev: ServiceBusDelivery | undefined = undefined;
  linkNext: ServiceBusDelivery | undefined = undefined;

  /** `uncounted`: earlier deliveries the service did not count (a session lost by its holder). */
  constructor(
    message: ServiceBusReceivedMessage,
    decoded: DecodedMessage,
    context: DeliveryContext,
    uncounted = 0,
  ) {
    this.body = decoded.body;
    this.attributes = decoded.attributes;
    this.meta = decoded.meta;
    this.#releases = decoded.releases;
    this.deliveryCount = deliveryCountOf(message, decoded.releases) + uncounted;
    this.native = message;
    this.#context = context;
  }

  ack(): Promise<void> {
    return this.#settleInSession(() => this.#context.receiver.completeMessage(this.native));
  }

  /**
   * On a session queue the message must keep its place at the head of its session (rule O2): a
   * scheduled copy would go behind the key's later messages. So the due time is written into the
   * session state (durable, on the service), the session is parked with the message locked for the
   * backoff, then the message is abandoned: Service Bus delivers it again first, and its raised
   * delivery count is the next attempt. If the session changes hands before then (graceful close,
   * crash), its next holder reads the due time and holds the message until it.
   *
   * Elsewhere abandoning would redeliver at once, so a retry with backoff schedules a copy at now + delay,
   * carrying the attempts used so far, and only then completes this message: a crash in between
   * leaves a duplicate, never a loss. The copy's messageId is derived from this message's sequence
   * number, so that under duplicate detection a second copy from a redelivery of it is dropped.
   */
  retry(delayMs: number, attempt: number): Promise<void> {
    const { session, receiver } = this.#context;
    if (session) {
      return this.#settle(() =>
        session.park(delayMs, () =>
          this.#context.alive() ? receiver.abandonMessage(this.native) : Promise.resolve(),
        ),
      );
    }
    return this.#settle(async () => {
      const { now, sender } = this.#context;
      const dueAt = now() + Math.max(0, delayMs);
      const meta: JobMeta = {
        enqueuedAt: this.native.enqueuedTimeUtc?.getTime() ?? now(),
        ...this.meta,
        attemptOffset: attempt,
        notBefore: dueAt,
      };
      const copy = toServiceBusMessage(
        { body: this.body, attributes: this.attributes, meta },
        {
          messageId: copyMessageId(this.meta.id, 'retry', this.native.sequenceNumber),
          ...(this.native.sessionId !== undefined ? { sessionId: this.native.sessionId } : {}),
        },
      );
      if (delayMs > 0) await sender.scheduleMessages([copy], new Date(dueAt));
      else await sender.sendMessages([copy]);
      await this.#context.receiver.completeMessage(this.native);
    });
  }

  /** The record goes with the message, cut to fit the size limit (see dead-letter-fit.ts). */
  deadLetter(record: DeadLetterRecord): Promise<void> {
    return this.#settleInSession(() =>
      this.#context.receiver.deadLetterMessage(
        this.native,
        deadLetterOptions(this.native, record, this.#context.maxNativeMessageBytes),
      ),
    );
  }

  /** Abandon, remembering the release so that it is not counted as an attempt. */
  release(): Promise<void> {
    return this.#settleInSession(() =>
      this.#context.receiver.abandonMessage(this.native, { [RELEASES_PROPERTY]: this.#releases + 1 }),
    );
  }

  async extendLease(): Promise<void> {
    if (!this.#once.open) return;
    const { receiver, session } = this.#context;
    // On a session queue the message lock is the session lock (renewMessageLock is refused there).
    if (session) await session.extend();
    else if ('renewMessageLock' in receiver) await receiver.renewMessageLock(this.native);
  }

  /** A settlement after which the message's session (if any) may hand out its next message. */
  #settleInSession(action: () => Promise<void>): Promise<void> {
    const { session } = this.#context;
    if (!session) return this.#settle(action);
    return this.#settle(async () => {
      try {
        await action();
      } catch (error) {
        session.settled(error);
        throw error;
      }
      session.settled();
    });
  }

  async #settle(action: () => Promise<void>): Promise<void> {
    if (!this.#once.claim()) return;
    try {
      await action();
    } finally {
      this.#context.settled(this);
    }
  }
}
