import type { AmqpChannel, AmqpMessage } from './amqp-client.js';
import { closeBounded } from './amqp-close.js';
import { bounded } from './amqp-deadline.js';
import type { QueueContext } from './queue-context.js';

/**
 * A channel of the dead-letter store's own, for basic.get. Whatever it still holds unacked goes
 * back to the queue when it closes (RabbitMQ returns it to the head): that is what makes peek
 * safe, and a round of redrive give back what it did not move. Its CloseOk comes only after
 * RabbitMQ has handled every earlier frame, so it also proves the acks sent on it arrived.
 */
export class DeadLetterChannel {
  readonly channel: AmqpChannel;
  readonly #queue: QueueContext;
  #closed = false;

  private constructor(channel: AmqpChannel, queue: QueueContext) {
    this.channel = channel;
    this.#queue = queue;
    channel.on('close', () => {
      this.#closed = true;
    });
  }

  static async open(queue: QueueContext): Promise<DeadLetterChannel> {
    const { channel } = await queue.session.channel();
    return new DeadLetterChannel(channel, queue);
  }

  /** One letter, unacked: ours until acked or this channel closes. */
  get(): Promise<AmqpMessage | false> {
    const { targets, timeoutMs } = this.#queue;
    return bounded(this.channel.get(targets.deadLetter, { noAck: false }), timeoutMs, 'basic.get');
  }

  /**
   * Closes and waits for the CloseOk. A failed operation has closed the channel already (its own
   * error is what matters). A close that fails leaves the acks sent on it unproven: those letters
   * may come back and be moved again (a duplicate, never a loss); it is reported.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeBounded(this.channel, this.#queue.timeoutMs, 'closing a channel').catch((error: unknown) =>
      this.#queue.report('close-dead-letter-channel', error),
    );
  }

  /** Runs `work` on a channel of its own, closed after it whatever happens. */
  static async using<T>(queue: QueueContext, work: (channel: DeadLetterChannel) => Promise<T>): Promise<T> {
    const channel = await DeadLetterChannel.open(queue);
    try {
      return await work(channel);
    } finally {
      await channel.close();
    }
  }
}
