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
  /** Every delivery tag received on this channel, in order; `#head` is the oldest not yet settled. */
  readonly #tags: number[] = [];
  #head = 0;
  /** Tags waiting to be acked, and tags already settled on the wire but not yet passed by `#head`. */
  readonly #toAck = new Set<number>();
  readonly #settledOnWire = new Set<number>();
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
    this.#tags.push(message.fields.deliveryTag);
  }

  taken(): void {
    this.#outstanding++;
  }

  /**
   * Acks if this channel still lives; otherwise the broker has requeued the message already.
   * Acks are sent together once the current burst of work is done: a run of settled tags from
   * the oldest unsettled one becomes a single `multiple` ack, the rest go one by one.
   */
  ack(message: AmqpMessage): void {
    this.#settled(() => {
      this.#toAck.add(message.fields.deliveryTag);
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
      this.channel.nack(message, false, true);
      this.#settledOnWire.add(message.fields.deliveryTag);
    });
  }

  #flush(): void {
    this.#flushing = false;
    if (!this.alive) return;
    let upTo: number | undefined;
    while (this.#head < this.#tags.length) {
      const tag = this.#tags[this.#head]!;
      if (this.#toAck.delete(tag)) upTo = tag;
      else if (!this.#settledOnWire.delete(tag)) break;
      this.#head++;
    }
    if (this.#head > 1024) {
      this.#tags.splice(0, this.#head);
      this.#head = 0;
    }
    try {
      if (upTo !== undefined) this.channel.ack(ackFor(upTo), true);
      for (const tag of this.#toAck) this.channel.ack(ackFor(tag), false);
    } catch {
      // The channel closed under us: RabbitMQ requeues what it held.
    }
    // Tags acked one by one stay in #tags; remember them as settled for the walk above.
    for (const tag of this.#toAck) this.#settledOnWire.add(tag);
    this.#toAck.clear();
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
