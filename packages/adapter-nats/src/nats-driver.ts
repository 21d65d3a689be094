import {
  type BackgroundErrorSink,
  type Capabilities,
  type Clock,
  type DeadLetterStore,
  type Driver,
  DriverLifecycle,
  type ErrorCode,
  type OutgoingMessage,
  type QueueStats,
  type QueueTopology,
  type Receiver,
  type ReceiverOptions,
  type SendOutcome,
  systemClock,
} from '@polyqueue/core/driver';
import { claimDedupId, isNoResponders } from './dedup-ledger.js';
import { delayForwarder } from './delay-forwarder.js';
import { MaxDeliveriesCopier } from './max-deliveries-copier.js';
import type { NatsClient, PubAck } from './nats-client.js';
import { NatsDeadLetterStore } from './nats-dead-letters.js';
import { NatsStreamMissingError, natsErrorCode } from './nats-errors.js';
import { decodeName, delayStreamPrefix, FORWARDER_CONSUMER, WORKER_CONSUMER } from './nats-names.js';
import type { NatsSettings } from './nats-options.js';
import { NatsReceiver } from './nats-receiver.js';
import { jobHeaders } from './nats-wire.js';
import { type QueueContext, queueContext } from './queue-context.js';

/**
 * MaxDeliver = maxAttempts + this. The core dead-letters on delivery maxAttempts + 1 (attempts
 * used up by crashes, R6); the margin gives it that delivery and one more before the server's
 * MAX_DELIVERIES safety net takes over.
 */
export const MAX_DELIVER_MARGIN = 2;
/** AckWait of the forwarder consumer: how long a crashed forwarder holds a due job back. */
export const FORWARDER_ACK_WAIT_MS = 10_000;
/** Room kept in max_payload for polyqueue's headers (metadata and dead-letter record). */
export const HEADER_RESERVE_BYTES = 8 * 1024;

export interface NatsDriverOptions {
  readonly client: NatsClient;
  readonly settings: NatsSettings;
  /** Wall clock; tests may pass their own. */
  readonly clock?: Clock;
}

/** The NATS JetStream driver. See README.md for the native entities it creates. */
export class NatsDriver implements Driver {
  readonly name = 'nats';
  readonly capabilities: Capabilities;
  readonly #client: NatsClient;
  readonly #settings: NatsSettings;
  readonly #clock: Clock;
  /** State, background errors, per-queue contexts; a queue's forwarder and MAX_DELIVERIES copier run while one of its receivers is open here. */
  readonly #lifecycle: DriverLifecycle<QueueContext>;

  constructor(options: NatsDriverOptions) {
    this.#client = options.client;
    this.#settings = options.settings;
    this.#clock = options.clock ?? systemClock;
    this.capabilities = natsCapabilities(options.client, options.settings);
    const lifecycle: DriverLifecycle<QueueContext> = new DriverLifecycle({
      context: (topology) =>
        queueContext(
          {
            client: this.#client,
            settings: this.#settings,
            clock: this.#clock,
            alive: () => lifecycle.alive,
            errors: lifecycle.errors,
          },
          topology,
        ),
      services: (queue) => [delayForwarder(queue), new MaxDeliveriesCopier(queue)],
      connection: this.#client,
    });
    this.#lifecycle = lifecycle;
  }

  /**
   * Errors no caller awaits: the delay forwarder's (`forward-pull`, `forward`, `forward-ack`...:
   * the kit's Forwarder), the MAX_DELIVERIES copier's (`copy-exhausted`) and its advisory
   * subscription's (`advisory-subscription`), a closing receiver's hand-back (`release`), and the
   * connection's own (`connection`).
   */
  reportErrorsTo(sink: BackgroundErrorSink): void {
    this.#lifecycle.reportErrorsTo(sink);
  }

  async provision(topology: QueueTopology): Promise<void> {
    const { client, names, deadLetterNames } = this.#context(topology);
    const duplicateWindowMs = this.#settings.dedupWindowMs;
    await Promise.all([
      client.ensureStream({ name: names.stream, subject: names.subject, duplicateWindowMs }),
      client.ensureStream({ name: names.delayStream, subject: names.delaySubject, duplicateWindowMs }),
      client.ensureStream({
        name: deadLetterNames.stream,
        subject: deadLetterNames.subject,
        duplicateWindowMs,
      }),
      client.ensureStream({
        name: names.ledgerStream,
        subject: names.ledgerSubject,
        duplicateWindowMs,
        limits: { maxAgeMs: duplicateWindowMs },
      }),
    ]);
    await Promise.all([
      client.ensureConsumer({
        stream: names.stream,
        name: WORKER_CONSUMER,
        filterSubject: names.subject,
        ackWaitMs: topology.leaseMs,
        maxDeliver: topology.maxAttempts + MAX_DELIVER_MARGIN,
      }),
      client.ensureConsumer({
        stream: names.delayStream,
        name: FORWARDER_CONSUMER,
        filterSubject: names.delaySubject,
        ackWaitMs: FORWARDER_ACK_WAIT_MS,
        maxDeliver: -1,
      }),
    ]);
  }

  /**
   * Publishes every message at once and awaits the stream's acks. A job due later goes to the
   * delay stream, whose forwarder moves it when due. `dedupId` is the `Nats-Msg-Id`, claimed first
   * in the queue's dedup ledger so that a repeat learns the kept job's id.
   */
  async send(topology: QueueTopology, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    const queue = this.#context(topology);
    const { client, names } = queue;
    const now = this.#clock.now();
    const subjects = messages.map((m) =>
      (m.meta.notBefore ?? 0) > now ? names.delaySubject : names.subject,
    );
    // A job with a dedupId first claims it, and travels under the id that kept it (dedup-ledger.ts).
    const claims = messages.some((m) => m.meta.dedupId !== undefined)
      ? await Promise.allSettled(
          messages.map((m) =>
            m.meta.dedupId === undefined ? m.meta.id : claimDedupId(queue, m.meta.dedupId, m.meta.id),
          ),
        )
      : undefined;
    const acks = await Promise.allSettled(
      messages.map((message, i) => {
        const claim = claims?.[i];
        if (claim?.status === 'rejected') return Promise.reject(claim.reason);
        const meta =
          claim === undefined || claim.value === message.meta.id
            ? message.meta
            : { ...message.meta, id: claim.value };
        // Not an async arrow: that would wrap every publish's promise in one more.
        try {
          return client.publish(subjects[i]!, message.body, {
            headers: jobHeaders(message.attributes, meta),
            ...(meta.dedupId !== undefined ? { msgId: meta.dedupId } : {}),
          });
        } catch (error) {
          // A refused attribute fails this message only.
          return Promise.reject(error);
        }
      }),
    );
    await this.#failIfStreamMissing(queue, acks, subjects);
    return Promise.all(
      acks.map(async (ack, i): Promise<SendOutcome> => {
        if (ack.status === 'rejected') return { ok: false, error: ack.reason };
        const claim = claims?.[i];
        if (claim?.status === 'fulfilled' && claim.value !== messages[i]!.meta.id)
          return { ok: true, duplicateOf: claim.value };
        if (!ack.value.duplicate) return OK;
        const stream = subjects[i] === names.subject ? names.stream : names.delayStream;
        return this.#duplicateOutcome(stream, ack.value);
      }),
    );
  }

  receiver(topology: QueueTopology, options: ReceiverOptions): Receiver {
    // The lease is the consumer's AckWait, set from topology.leaseMs at provision. The worker's
    // bound (maxUnsettled) caps its pulls through receive()'s `max`.
    return new NatsReceiver(this.#context(topology), () => this.#lifecycle.acquire(topology), options);
  }

  deadLetters(topology: QueueTopology): DeadLetterStore {
    return new NatsDeadLetterStore(this.#context(topology));
  }

  /**
   * ready = not yet delivered by the work consumer; inFlight = delivered and unacked (this
   * includes retries waiting out a NAK delay); delayed = in the delay stream; deadLettered = in
   * the dead-letter stream.
   */
  async stats(topology: QueueTopology): Promise<QueueStats> {
    const { client, names, deadLetterNames } = this.#context(topology);
    const count = (stream: string) =>
      client.streamState(stream).then(
        (state) => state.messages,
        (error: unknown) => {
          if (natsErrorCode(error) === 'NotFound') return 0;
          throw error;
        },
      );
    const [consumer, delayed, deadLettered] = await Promise.all([
      client.consumerState(names.stream, WORKER_CONSUMER),
      count(names.delayStream),
      count(deadLetterNames.stream),
    ]);
    return { ready: consumer.pending, delayed, inFlight: consumer.ackPending, deadLettered };
  }

  /** The work queues of this stream prefix: one delay stream each (dead-letter queues have none). */
  async queues(): Promise<readonly string[]> {
    const start = delayStreamPrefix(this.#settings.streamPrefix);
    const streams = await this.#client.streamNames(start);
    return streams.map((stream) => decodeName(stream.slice(start.length)));
  }

  errorCode(error: unknown): ErrorCode {
    return natsErrorCode(error);
  }

  /** The `NatsConnection` from `@nats-io/transport-node`. */
  native(): unknown {
    return this.#client.native();
  }

  /** Graceful: services first, then the socket; abandon: the socket first (DriverLifecycle.close). */
  close(mode: 'graceful' | 'abandon'): Promise<void> {
    return this.#lifecycle.close(mode);
  }

  #context(topology: QueueTopology): QueueContext {
    return this.#lifecycle.context(topology);
  }

  /**
   * A publish to a subject no stream listens on gets "no responders", which also happens while
   * JetStream is restarting. Only the stream's absence makes it NotFound (never a silent drop);
   * otherwise the per-message errors stay, retryable.
   */
  async #failIfStreamMissing(
    queue: QueueContext,
    acks: readonly PromiseSettledResult<PubAck>[],
    subjects: readonly string[],
  ): Promise<void> {
    const index = acks.findIndex((ack) => ack.status === 'rejected' && isNoResponders(ack.reason));
    if (index < 0) return;
    const stream = subjects[index] === queue.names.subject ? queue.names.stream : queue.names.delayStream;
    try {
      await queue.client.streamState(stream);
    } catch (error) {
      if (natsErrorCode(error) === 'NotFound')
        throw new NatsStreamMissingError(stream, { cause: (acks[index] as PromiseRejectedResult).reason });
    }
  }

  /** The kept job's id, read from the stream where the broker can still show it. */
  async #duplicateOutcome(stream: string, ack: PubAck): Promise<SendOutcome> {
    const kept = await this.#client.getMessage(stream, ack.seq).catch(() => undefined);
    const id = kept?.headers['pq-id'];
    return id === undefined ? OK : { ok: true, duplicateOf: id };
  }
}

const OK: SendOutcome = Object.freeze({ ok: true });

export function natsCapabilities(client: NatsClient, settings: NatsSettings): Capabilities {
  return {
    maxMessageBytes: client.maxPayload - HEADER_RESERVE_BYTES,
    maxBatchSize: 1_000,
    // Before 2.12 nothing delays a first delivery natively: every delay takes the delay stream.
    maxNativeDelayMs: 0,
    lease: { expires: true, extendable: true, minMs: 1_000, maxMs: 12 * 3_600_000 },
    ordering: false,
    dedup: { windowMs: settings.dedupWindowMs },
    nativeDeadLetter: false,
    stats: ['ready', 'delayed', 'inFlight', 'deadLettered'],
    listQueues: true,
    timing: { granularityMs: 1, toleranceMs: 250 },
  };
}
