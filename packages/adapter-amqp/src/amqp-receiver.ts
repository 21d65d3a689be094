import type { Delivery, Receiver } from '@polyqueue/core/driver';
import type { AmqpMessage } from './amqp-client.js';
import { ConsumerChannel } from './amqp-consumer.js';
import {
  AmqpDelivery,
  type CopyPublisher,
  copyMeta,
  type DeliveryTargets,
  usedAttempts,
} from './amqp-delivery.js';
import { readMessage } from './amqp-message.js';
import type { AmqpSession } from './amqp-session.js';

export interface ReceiverContext {
  readonly session: AmqpSession;
  readonly copies: CopyPublisher;
  readonly targets: DeliveryTargets;
  /** Classic queues keep no delivery count: a redelivery is checkpointed (see `#needsCopy`). */
  readonly countsDeliveries: boolean;
  /** ε: a message due within this is handed out; one due later goes back on the delay path. */
  readonly granularityMs: number;
  readonly maxUnsettled: number;
  /** Background failures (a forward that could not be published); never throws. */
  readonly onError: (error: unknown) => void;
  /** Makes sure the queue exists (provisioning) before consuming; may reject. */
  readonly beforeConsume: () => Promise<void>;
}

/**
 * A push consumer: RabbitMQ sends up to `maxUnsettled` unacked messages (basic.qos), which wait
 * here until the worker's next `receive`. After a lost channel or connection it consumes again on
 * a new channel; what the old one had buffered is simply dropped, since RabbitMQ requeues it.
 */
export class AmqpReceiver implements Receiver {
  readonly #ctx: ReceiverContext;
  #consumer: ConsumerChannel | undefined;
  #consumerTag: string | undefined;
  #buffer: { message: AmqpMessage; consumer: ConsumerChannel }[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  readonly #background = new Set<Promise<void>>();

  constructor(ctx: ReceiverContext) {
    this.#ctx = ctx;
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]> {
    if (this.#closed || signal.aborted) return [];
    // During an outage, connecting may wait up to connect_timeout_ms: an abort must not.
    const consumer = await untilAborted(this.#ensureConsumer(), signal);
    if (consumer === undefined) return [];
    if (this.#buffer.length === 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          this.#wake = undefined;
          resolve();
        };
        this.#wake = done;
        signal.addEventListener('abort', done, { once: true });
        // The signal may have fired while this call awaited the consumer: a listener added now
        // would never hear it.
        if (signal.aborted || this.#closed || !consumer.alive) done();
      });
    }
    const deliveries: Delivery[] = [];
    while (deliveries.length < max && this.#buffer.length > 0) {
      const { message, consumer: from } = this.#buffer.shift()!;
      if (!from.alive) continue; // RabbitMQ has requeued it already
      const received = readMessage(message);
      if (this.#needsCopy(received)) {
        this.#track(this.#forward(from, message, received));
        continue;
      }
      deliveries.push(new AmqpDelivery(from, message, received, this.#ctx.copies, this.#ctx.targets));
    }
    return deliveries;
  }

  /**
   * Stops consuming. Messages that arrived but were never handed out go back, as releases do
   * (republished, then acked); handed-out deliveries stay settleable, and the channel closes once
   * they are all settled.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    const consumer = this.#consumer;
    this.#consumer = undefined;
    if (consumer?.alive && this.#consumerTag !== undefined) {
      await consumer.channel.cancel(this.#consumerTag).catch(() => undefined);
    }
    for (const { message, consumer: from } of this.#buffer.splice(0)) {
      if (!from.alive) continue;
      from.taken();
      const received = readMessage(message);
      this.#track(this.#republish(from, message, received, undefined));
    }
    await Promise.allSettled([...this.#background]);
    consumer?.closeWhenIdle();
  }

  /**
   * A message is not handed out but copied forward (published, confirmed, then acked) when it is
   * not due yet (a delay longer than one pass through the cascade, or a producer whose clock runs
   * ahead), or when a classic queue redelivers it: classic queues count no deliveries, so the
   * crashed attempt is written into the copy's attempt offset instead (rule R6).
   */
  #needsCopy(received: ReturnType<typeof readMessage>): boolean {
    const notBefore = received.meta.notBefore;
    if (notBefore !== undefined && notBefore - Date.now() > this.#ctx.granularityMs) return true;
    return !this.#ctx.countsDeliveries && received.deliveryCount > 1;
  }

  async #forward(
    from: ConsumerChannel,
    message: AmqpMessage,
    received: ReturnType<typeof readMessage>,
  ): Promise<void> {
    from.taken();
    await this.#republish(from, message, received, received.meta.notBefore);
  }

  async #republish(
    from: ConsumerChannel,
    message: AmqpMessage,
    received: ReturnType<typeof readMessage>,
    notBefore: number | undefined,
  ): Promise<void> {
    const meta = copyMeta(
      { ...received.meta, id: received.id },
      {
        attemptOffset: usedAttempts(received.meta, received.deliveryCount),
        ...(notBefore !== undefined ? { notBefore } : {}),
      },
    );
    try {
      await this.#ctx.copies.publishCopy(
        this.#ctx.targets.work,
        { body: message.content, attributes: received.attributes, meta },
        undefined,
        from.link,
      );
      from.ack(message);
    } catch (error) {
      from.requeue(message);
      this.#ctx.onError(error);
    }
  }

  #track(work: Promise<void>): void {
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
  }

  async #ensureConsumer(): Promise<ConsumerChannel> {
    if (this.#consumer?.alive) return this.#consumer;
    this.#consumer = undefined;
    await this.#ctx.beforeConsume();
    const { session, maxUnsettled, targets } = this.#ctx;
    const link = await session.link();
    const channel = await link.connection.createChannel();
    const consumer = new ConsumerChannel(channel, link);
    consumer.onDead(() => this.#wake?.());
    try {
      await channel.prefetch(Math.max(1, maxUnsettled));
      const reply = await channel.consume(
        targets.work,
        (message) => {
          // null: the broker cancelled the consumer (queue deleted...). Consume again next time.
          if (message === null) {
            if (this.#consumer === consumer) this.#consumer = undefined;
            consumer.closeWhenIdle();
            this.#wake?.();
            return;
          }
          consumer.received(message);
          this.#buffer.push({ message, consumer });
          this.#wake?.();
        },
        { noAck: false },
      );
      this.#consumerTag = reply.consumerTag;
    } catch (error) {
      await consumer.close();
      throw error;
    }
    if (this.#closed) {
      await consumer.close();
      return consumer;
    }
    this.#consumer = consumer;
    return consumer;
  }
}

/** The promise's value, or undefined as soon as `signal` aborts (the promise keeps running). */
async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
