import type { AmqpChannel, AmqpMessage } from './amqp-client.js';
import type { Link } from './amqp-session.js';

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

  taken(): void {
    this.#outstanding++;
  }

  /** Acks if this channel still lives; otherwise the broker has requeued the message already. */
  ack(message: AmqpMessage): void {
    this.#settled(() => this.channel.ack(message));
  }

  /** Hands the message back to the queue now (counts as a delivery on quorum queues). */
  requeue(message: AmqpMessage): void {
    this.#settled(() => this.channel.nack(message, false, true));
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
    if (this.alive) action();
    this.#maybeClose();
  }

  #maybeClose(): void {
    if (this.#closeWhenIdle && this.#outstanding <= 0) void this.close();
  }

  #die(): void {
    if (!this.#alive) return;
    this.#alive = false;
    for (const listener of this.#onDead.splice(0)) listener();
  }
}
