import type { AmqpChannel, AmqpMessage } from './amqp-client.js';
import { closeBounded } from './amqp-close.js';
import { bounded } from './amqp-deadline.js';
import type { Link } from './amqp-session.js';

/** amqplib needs only the delivery tag to ack. */
function ackFor(deliveryTag: number): AmqpMessage {
  return { fields: { deliveryTag } } as AmqpMessage;
}

export interface ConsumerChannelOptions {
  /** The channel's basic.qos count, sent again as the round trip that proves acks were processed. */
  readonly prefetch: number;
  /** Bound of every wait on RabbitMQ's answer (publish_timeout_ms). */
  readonly timeoutMs: number;
  /**
   * `consumer-channel`: RabbitMQ closed the channel (e.g. PRECONDITION_FAILED once a delivery was
   * held past consumer_timeout; its jobs are requeued). `close-consumer`: a close that failed, so
   * its acks may not have arrived and those jobs may run again.
   */
  readonly report: (action: 'consumer-channel' | 'close-consumer', error: unknown) => void;
}

/**
 * One consuming channel. Delivery tags belong to it: once it is gone (connection lost, channel
 * closed by the broker, consumer cancelled and closed), settling its deliveries is a no-op, and
 * RabbitMQ redelivers them. Nothing from a dead channel is ever acked on a new one.
 *
 * AMQP 0-9-1 does not confirm acks, and amqplib writes each channel's frames through its own
 * buffer, merged round-robin onto the socket: an ack written just before `connection.close()`
 * can reach the wire after the Connection.Close frame, and RabbitMQ then requeues the job
 * (it ran twice after every graceful shutdown). So where it matters (closing, and copies that
 * replace a delivery) an ack is followed by a round trip on the same channel (`processed`), or
 * by the channel's own close: RabbitMQ answers those only after handling every earlier frame.
 */
export class ConsumerChannel {
  readonly channel: AmqpChannel;
  readonly link: Link;
  readonly #options: ConsumerChannelOptions;
  #alive = true;
  /** Deliveries taken from this channel and not yet settled (acked, nacked or dropped). */
  #outstanding = 0;
  #closeWhenIdle = false;
  #closing: Promise<void> | undefined;
  readonly #onDead: (() => void)[] = [];
  /**
   * Delivery tags received and not yet settled: at most the channel's prefetch. Every tag below
   * the smallest of them has been settled, which is what makes a `multiple` ack safe.
   */
  readonly #unsettled = new Set<number>();
  /** Tags settled by `ack` since the last flush. */
  #toAck: number[] = [];
  #flushScheduled = false;

  constructor(channel: AmqpChannel, link: Link, options: ConsumerChannelOptions) {
    this.channel = channel;
    this.link = link;
    this.#options = options;
    channel.on('close', () => this.#die());
    // Followed by 'close'. A connection's loss is reported by the session; this is the channel's own.
    channel.on('error', (error: Error) => options.report('consumer-channel', error));
    void link.lost.then(() => this.#die());
  }

  get alive(): boolean {
    return this.#alive && this.link.alive;
  }

  /** True once the receiver stopped consuming: settlements then wait until RabbitMQ has them. */
  get closing(): boolean {
    return this.#closeWhenIdle;
  }

  onDead(listener: () => void): void {
    if (!this.#alive) listener();
    else this.#onDead.push(listener);
  }

  /** Every message the channel delivers, whether or not it is ever handed out. */
  received(message: AmqpMessage): void {
    this.#unsettled.add(message.fields.deliveryTag);
  }

  taken(): void {
    this.#outstanding++;
  }

  /**
   * Acks if this channel still lives; otherwise the broker has requeued the message already.
   * Acks are sent together once the current burst of work is done: those below the oldest
   * unsettled tag become a single `multiple` ack, the rest go one by one.
   */
  ack(message: AmqpMessage): void {
    this.#settled(() => {
      this.#unsettled.delete(message.fields.deliveryTag);
      this.#toAck.push(message.fields.deliveryTag);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => {
          this.#flushScheduled = false;
          this.#flush();
        });
      }
    });
  }

  /** Hands the message back to the queue now (counts as a delivery on quorum queues). */
  requeue(message: AmqpMessage): void {
    this.#settled(() => {
      // Sent at once, so it always precedes a later `multiple` ack covering its tag.
      this.#unsettled.delete(message.fields.deliveryTag);
      this.channel.nack(message, false, true);
    });
  }

  /**
   * Resolves once RabbitMQ has handled every ack given so far: they are sent now, followed by a
   * basic.qos with the same count (it changes nothing: a consumer keeps the prefetch it started
   * with), whose reply comes only after the earlier frames. Rejects when the channel dies first
   * (its unacked jobs are then requeued) or RabbitMQ does not answer within the timeout.
   * A channel that is closing proves it by its CloseOk instead.
   */
  async processed(): Promise<void> {
    this.#flush();
    if (this.#closing) return this.#closing;
    if (!this.alive) return;
    try {
      const roundTrip = this.channel.prefetch(this.#options.prefetch);
      await bounded(roundTrip, this.#options.timeoutMs, 'an ack round trip');
    } catch (error) {
      // The channel began to close meanwhile (the last job settled): its CloseOk is the proof.
      if (this.#closing) return this.#closing;
      throw error;
    }
  }

  /**
   * Stops the channel once every delivery taken from it is settled; RabbitMQ then requeues none.
   * Resolves once the acks given so far are handled (see `processed`).
   */
  closeWhenIdle(): Promise<void> {
    this.#closeWhenIdle = true;
    this.#maybeClose();
    return this.processed();
  }

  /**
   * Sends the acks still queued, then closes the channel and waits for RabbitMQ's CloseOk, which
   * follows the acks. Whatever is still unsettled goes back to the queue. Rejects if RabbitMQ
   * does not answer in time (the acks' fate is then unknown: those jobs may run again).
   */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#closing = this.#close();
      this.#closing.catch((error: unknown) => this.#options.report('close-consumer', error));
    }
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (!this.alive) return;
    this.#sendAcks();
    this.#die();
    await closeBounded(this.channel, this.#options.timeoutMs, 'closing a consumer channel');
  }

  #flush(): void {
    this.#sendAcks();
    this.#maybeClose();
  }

  #sendAcks(): void {
    const tags = this.#toAck;
    this.#toAck = [];
    if (tags.length > 0 && this.alive) {
      let oldest = Number.POSITIVE_INFINITY;
      for (const tag of this.#unsettled) if (tag < oldest) oldest = tag;
      let upTo: number | undefined;
      const singles: number[] = [];
      for (const tag of tags) {
        if (tag > oldest) singles.push(tag);
        else if (upTo === undefined || tag > upTo) upTo = tag;
      }
      try {
        if (upTo !== undefined) this.channel.ack(ackFor(upTo), true);
        for (const tag of singles) this.channel.ack(ackFor(tag), false);
      } catch {
        // The channel closed under us: RabbitMQ requeues what it held.
      }
    }
  }

  #settled(action: () => void): void {
    this.#outstanding--;
    if (this.alive) {
      try {
        action();
      } catch {
        // The channel closed under us: RabbitMQ requeues what it held.
      }
    }
    this.#maybeClose();
  }

  /** Closing sends the queued acks first (see `#close`): closing without them would requeue those jobs. */
  #maybeClose(): void {
    if (this.#closeWhenIdle && this.#outstanding <= 0 && this.#closing === undefined && this.alive) {
      // A failure is reported by close() itself, and reaches whoever waits in `processed()`.
      this.close().catch(() => undefined);
    }
  }

  #die(): void {
    if (!this.#alive) return;
    this.#alive = false;
    for (const listener of this.#onDead.splice(0)) listener();
  }
}
