import { type Delivery, PendingWork, type Receiver, untilAborted } from '@polyqueue/core/driver';
import type { AmqpMessage } from './amqp-client.js';
import { ConsumerChannel } from './amqp-consumer.js';
import { bounded } from './amqp-deadline.js';
import { AmqpDelivery, copyMeta, usedAttempts } from './amqp-delivery.js';
import { AmqpUnavailableError } from './amqp-errors.js';
import { readMessage } from './amqp-message.js';
import type { QueueContext } from './queue-context.js';

type Received = ReturnType<typeof readMessage>;
interface Buffered {
  readonly message: AmqpMessage;
  readonly consumer: ConsumerChannel;
}

/** How the driver's receivers consume, beside their queue's context. */
export interface ConsumeOptions {
  /** Classic queues keep no delivery count: a redelivery is checkpointed (see `#needsCopy`). */
  readonly countsDeliveries: boolean;
  /** ε: a message due within this is handed out; one due later goes back on the delay path. */
  readonly granularityMs: number;
  readonly maxUnsettled: number;
  /** Every consumer channel still open: a graceful driver close closes them before the connection. */
  readonly openConsumers: Set<ConsumerChannel>;
  /** Makes sure the queue exists (provisioning) before consuming; may reject. */
  readonly beforeConsume: () => Promise<void>;
}

/**
 * A push consumer: RabbitMQ sends up to `maxUnsettled` unacked messages (basic.qos), which wait
 * here until the worker's next `receive`. After a lost channel or connection it consumes again on
 * a new channel; what the old one had buffered is simply dropped, since RabbitMQ requeues it.
 */
export class AmqpReceiver implements Receiver {
  readonly #queue: QueueContext;
  readonly #options: ConsumeOptions;
  #consumer: ConsumerChannel | undefined;
  #consumerTag: string | undefined;
  #buffer: Buffered[] = [];
  /**
   * Copies forwarded but not yet proven: job id → forwards in progress. A message with that id
   * (the copy itself, which RabbitMQ may deliver before it confirms it) waits in `#parked` until
   * the original's ack is handled. Handed out earlier, a crash of its handler would bring back
   * both the copy and the original, and the job would run once more than its attempts allow.
   */
  readonly #forwarding = new Map<string, number>();
  #parked: Buffered[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  readonly #background = new PendingWork();

  constructor(queue: QueueContext, options: ConsumeOptions) {
    this.#queue = queue;
    this.#options = options;
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]> {
    if (this.#closed || signal.aborted) return [];
    // During an outage, connecting may wait up to connect_timeout_ms: an abort must not. A live
    // consumer (nearly every call) is taken as it is: no race, no abort listener, no promise.
    const live = this.#consumer;
    const consumer = live?.alive ? live : await untilAborted(this.#ensureConsumer(), signal);
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
      const buffered = this.#buffer.shift()!;
      const { message, consumer: from } = buffered;
      if (!from.alive) continue; // RabbitMQ has requeued it already
      const received = readMessage(message);
      if (this.#forwarding.has(received.id)) {
        this.#parked.push(buffered);
        continue;
      }
      if (this.#needsCopy(received)) {
        this.#track(this.#forward(from, message, received));
        continue;
      }
      deliveries.push(new AmqpDelivery(from, message, received, this.#queue.copies, this.#queue.targets));
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
      const cancel = consumer.channel.cancel(this.#consumerTag);
      // Not cancelled: it keeps delivering until the channel closes, which requeues those.
      await bounded(cancel, this.#queue.timeoutMs, 'basic.cancel').catch((error: unknown) =>
        this.#queue.report('cancel-consumer', error),
      );
    }
    // Forwards end first: the copies they held back join the buffer, to be given back with it.
    await this.#background.idle();
    for (const { message, consumer: from } of [...this.#parked.splice(0), ...this.#buffer.splice(0)]) {
      if (!from.alive) continue;
      from.taken();
      this.#track(this.#republish(from, message, readMessage(message), undefined, 'release'));
    }
    await this.#background.idle();
    await consumer?.closeWhenIdle();
  }

  /**
   * A message is not handed out but copied forward (published, confirmed, then acked) when it is
   * not due yet (a delay longer than one pass through the cascade, or a producer whose clock runs
   * ahead), or when a classic queue redelivers it: classic queues count no deliveries, so the
   * crashed attempt is written into the copy's attempt offset instead (rule R6).
   */
  #needsCopy(received: Received): boolean {
    const notBefore = received.meta.notBefore;
    if (notBefore !== undefined && notBefore - Date.now() > this.#options.granularityMs) return true;
    return !this.#options.countsDeliveries && received.deliveryCount > 1;
  }

  async #forward(from: ConsumerChannel, message: AmqpMessage, received: Received): Promise<void> {
    from.taken();
    const { id } = received;
    this.#forwarding.set(id, (this.#forwarding.get(id) ?? 0) + 1);
    try {
      await this.#republish(from, message, received, received.meta.notBefore, 'forward');
    } finally {
      const left = this.#forwarding.get(id)! - 1;
      if (left > 0) this.#forwarding.set(id, left);
      else this.#unpark(id);
    }
  }

  /** The forward of `id` is over: messages held back for it go to the head of the buffer. */
  #unpark(id: string): void {
    this.#forwarding.delete(id);
    const held = this.#parked.filter((buffered) => readMessage(buffered.message).id === id);
    if (held.length === 0) return;
    this.#parked = this.#parked.filter((buffered) => !held.includes(buffered));
    this.#buffer.unshift(...held);
    this.#wake?.();
  }

  /**
   * Publishes the copy (confirmed), then acks the original. A forward also waits until RabbitMQ
   * has handled that ack, so that the copy is never handed out while the original can still
   * come back (see `#forwarding`). Releases at close are proven by the channel's close instead.
   */
  async #republish(
    from: ConsumerChannel,
    message: AmqpMessage,
    received: Received,
    notBefore: number | undefined,
    action: 'forward' | 'release',
  ): Promise<void> {
    const meta = copyMeta(
      { ...received.meta, id: received.id },
      {
        attemptOffset: usedAttempts(received.meta, received.deliveryCount),
        ...(notBefore !== undefined ? { notBefore } : {}),
      },
    );
    try {
      await this.#queue.copies.publishCopy(
        this.#queue.targets.work,
        { body: message.content, attributes: received.attributes, meta },
        undefined,
        from.link,
      );
    } catch (error) {
      from.requeue(message);
      this.#queue.report(action, error);
      return;
    }
    from.ack(message);
    if (action === 'forward') {
      // Not proven: the original may come back beside its copy (a duplicate, never a loss).
      await from.processed().catch((error: unknown) => this.#queue.report(action, error));
    }
  }

  #track(work: Promise<void>): void {
    this.#background.track(work);
  }

  async #ensureConsumer(): Promise<ConsumerChannel> {
    if (this.#consumer?.alive) return this.#consumer;
    this.#consumer = undefined;
    await this.#options.beforeConsume();
    const { session, targets, timeoutMs, report } = this.#queue;
    const { maxUnsettled, openConsumers } = this.#options;
    const link = await session.link();
    const channel = await bounded(link.connection.createChannel(), timeoutMs, 'opening a channel');
    const prefetch = Math.max(1, maxUnsettled);
    const consumer = new ConsumerChannel(channel, link, {
      prefetch,
      timeoutMs,
      report,
    });
    openConsumers.add(consumer);
    channel.on('close', () => openConsumers.delete(consumer));
    consumer.onDead(() => this.#wake?.());
    try {
      await bounded(channel.prefetch(prefetch), timeoutMs, 'basic.qos');
      const consuming = channel.consume(
        targets.work,
        (message) => {
          // null: the broker cancelled the consumer (queue deleted...). Consume again next time.
          if (message === null) {
            report(
              'consumer-cancelled',
              new AmqpUnavailableError(
                `RabbitMQ cancelled the consumer of queue "${targets.work}" (deleted, or its replicas moved); consuming again`,
              ),
            );
            if (this.#consumer === consumer) this.#consumer = undefined;
            consumer.closeWhenIdle().catch((error: unknown) => report('cancelled-consumer', error));
            this.#wake?.();
            return;
          }
          consumer.received(message);
          this.#buffer.push({ message, consumer });
          this.#wake?.();
        },
        { noAck: false },
      );
      this.#consumerTag = (await bounded(consuming, timeoutMs, 'basic.consume')).consumerTag;
    } catch (error) {
      await consumer.close().catch(() => undefined); // close() reports its own failure; this one wins
      throw error;
    }
    if (this.#closed) {
      await consumer.close().catch(() => undefined); // close() reports its own failure
      return consumer;
    }
    this.#consumer = consumer;
    return consumer;
  }
}
