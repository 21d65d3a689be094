import type { DeadLetterStore, StoredDeadLetter } from '@polyqueue/core/driver';
import type { AmqpChannel, AmqpMessage } from './amqp-client.js';
import { type CopyPublisher, copyMeta } from './amqp-delivery.js';
import { readMessage } from './amqp-message.js';
import type { AmqpSession } from './amqp-session.js';

/** How many dead letters one redrive round takes before publishing and acking them. */
const REDRIVE_ROUND = 100;

export interface DeadLetterContext {
  readonly session: AmqpSession;
  readonly copies: CopyPublisher;
  /** Native DLQ name. */
  readonly queue: string;
  /** Native work queue a dead letter goes back to, from its `pq-dl-source-queue` (logical) name. */
  readonly sourceQueue: (logical: string | undefined) => string;
}

/**
 * The DLQ, read with basic.get on a channel of its own. Peek takes messages unacked and gives them
 * back by closing that channel, so nothing is removed (RabbitMQ returns them to the queue head).
 * Redrive publishes each letter to its source queue, confirmed, and only then acks it.
 */
export class AmqpDeadLetterStore implements DeadLetterStore {
  readonly #ctx: DeadLetterContext;

  constructor(ctx: DeadLetterContext) {
    this.#ctx = ctx;
  }

  async peek(limit: number): Promise<readonly StoredDeadLetter[]> {
    return this.#withChannel(async (channel) => {
      const letters: StoredDeadLetter[] = [];
      while (letters.length < limit) {
        const message = await channel.get(this.#ctx.queue, { noAck: false });
        if (message === false) break;
        letters.push(toStored(message));
      }
      return letters;
    });
  }

  async redrive(limit = Number.POSITIVE_INFINITY): Promise<number> {
    let moved = 0;
    while (moved < limit) {
      const round = await this.#withChannel(async (channel) => {
        const taken: AmqpMessage[] = [];
        while (taken.length < Math.min(REDRIVE_ROUND, limit - moved)) {
          const message = await channel.get(this.#ctx.queue, { noAck: false });
          if (message === false) break;
          taken.push(message);
        }
        await Promise.all(taken.map((message) => this.#sendBack(message)));
        for (const message of taken) channel.ack(message);
        return taken.length;
      });
      moved += round;
      if (round === 0) break;
    }
    return moved;
  }

  async purge(): Promise<number> {
    return this.#withChannel(async (channel) => (await channel.purgeQueue(this.#ctx.queue)).messageCount);
  }

  /** Back to its source with the attempt count reset and no dead-letter fields. */
  async #sendBack(message: AmqpMessage): Promise<void> {
    const received = readMessage(message);
    await this.#ctx.copies.publishCopy(this.#ctx.sourceQueue(received.deadLetter?.sourceQueue), {
      body: message.content,
      attributes: received.attributes,
      meta: copyMeta({ ...received.meta, id: received.id }, { attemptOffset: 0 }),
    });
  }

  /** Closing the channel returns whatever it still holds unacked: that is what makes peek safe. */
  async #withChannel<T>(work: (channel: AmqpChannel) => Promise<T>): Promise<T> {
    const { channel } = await this.#ctx.session.channel();
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}

function toStored(message: AmqpMessage): StoredDeadLetter {
  const received = readMessage(message);
  return {
    body: message.content,
    attributes: received.attributes,
    meta: { ...received.meta, id: received.id },
    ...(received.deadLetter ? { record: received.deadLetter } : {}),
    native: message,
  };
}
