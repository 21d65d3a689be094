import type { AmqpChannel, AmqpMessage } from './amqp-client.js';
import type { Link } from './amqp-session.js';

/** amqplib needs only the delivery tag to ack. */
function ackFor(deliveryTag: number): AmqpMessage {
  return { fields: { deliveryTag } } as AmqpMessage;
}

/**
 * One consuming channel. Delivery tags belong to it: once it is gone (connection lost, channel
 * closed by the broker, consumer cancelled and closed), settling its deliveries is a no-op, and
 * RabbitMQ redelivers them. Nothing from a dead channel is ever acked on a new one.
 */
export class ConsumerChannel {
  readonly channel: AmqpChannel;
  readonly link: Link;
  #alive = true;
  /** Deliveries taken from this channel and not yet settled (acked, nacked or dropped). */
  #outstanding = 0;
  #closeWhenIdle = false;
  readonly #onDead: (() => void)[] = [];
  /**
   * Delivery tags received and not yet settled: at most the channel's prefetch. Every tag below
   * the smallest of them has been settled, which is what makes a `multiple` ack safe.
   */
  readonly #unsettled = new Set<number>();
  /** Tags settled by `ack` since the last flush. */
  #toAck: number[] = [];
  #flushing = false;

  constructor(channel: AmqpChannel, link: Link) {
    this.channel = channel;
    this.link = link;
    channel.on('close', () => this.#die());
    channel.on('error', () => undefined); // followed by 'close'
    void link.lost.then(() => this.#die());
  }

  get alive(): boolean {
    return this.#alive && this.link.alive;
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
      if (!this.#flushing) {
        this.#flushing = true;
        setImmediate(() => this.#flush());
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

  #flush(): void {
    this.#flushing = false;
    const tags = this.#toAck;
    this.#toAck = [];
    if (!this.alive) return;
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
    this.#maybeClose();
  }

  /** Closes the channel once every delivery taken from it is settled (RabbitMQ then requeues none). */
  closeWhenIdle(): void {
    this.#closeWhenIdle = true;
    this.#maybeClose();
  }

  async close(): Promise<void> {
    if (!this.#alive) return;
    this.#die();
    await this.channel.close().catch(() => undefined);
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

  /** Closing waits for acks still to be sent: closing first would requeue those jobs. */
  #maybeClose(): void {
    if (this.#closeWhenIdle && this.#outstanding <= 0 && !this.#flushing) void this.close();
  }

  #die(): void {
    if (!this.#alive) return;
    this.#alive = false;
    for (const listener of this.#onDead.splice(0)) listener();
  }
}
