import type { DeadLetterStore, StoredDeadLetter } from '@polyqueue/core/driver';
import type { AmqpChannel, AmqpMessage } from './amqp-client.js';
import { bounded } from './amqp-deadline.js';
import { copyMeta } from './amqp-delivery.js';
import { readMessage } from './amqp-message.js';
import type { QueueContext } from './queue-context.js';

/** How many dead letters one redrive round takes before publishing and acking them. */
const REDRIVE_ROUND = 100;

/**
 * The DLQ, read with basic.get on a channel of its own. Peek takes messages unacked and gives them
 * back by closing that channel, so nothing is removed (RabbitMQ returns them to the queue head).
 * Redrive publishes each letter to its source queue, confirmed, and only then acks it.
 */
export class AmqpDeadLetterStore implements DeadLetterStore {
  readonly #queue: QueueContext;

  constructor(queue: QueueContext) {
    this.#queue = queue;
  }

  async peek(limit: number): Promise<readonly StoredDeadLetter[]> {
    return this.#withChannel(async (channel) => {
      const letters: StoredDeadLetter[] = [];
      while (letters.length < limit) {
        const message = await this.#get(channel);
        if (message === false) break;
        letters.push(toStored(message));
      }
      return letters;
    });
  }

  /**
   * Moves up to `limit` letters back to their source queues. RabbitMQ has no dedup id, so one
   * job can leave two letters (a worker that dead-lettered it died before its ack arrived).
   * Such a twin is acked without being sent again when its job id was already redriven in this
   * call, and only when it certainly was in the DLQ before the call began (among the first
   * letters counted then, and dead-lettered before then): a letter of a job that was redriven
   * and failed again during the call is redriven too, never dropped. Twins of one round are
   * always merged (the one sent is confirmed before either is acked). Twins are not counted.
   */
  async redrive(limit = Number.POSITIVE_INFINITY): Promise<number> {
    const startedAt = Date.now();
    const before = await this.#withChannel(async (channel) => {
      const checking = channel.checkQueue(this.#queue.targets.deadLetter);
      return (await bounded(checking, this.#queue.timeoutMs, 'queue.declare (passive)')).messageCount;
    });
    const redriven = new Set<string>();
    let moved = 0;
    let taken = 0;
    while (moved < limit) {
      const round = await this.#withChannel(async (channel) => {
        const letters: AmqpMessage[] = [];
        while (letters.length < Math.min(REDRIVE_ROUND, limit - moved)) {
          const message = await this.#get(channel);
          if (message === false) break;
          letters.push(message);
        }
        const inRound = new Set<string>();
        const toSend: AmqpMessage[] = [];
        letters.forEach((message, index) => {
          const { id, deadLetter } = readMessage(message);
          const fromBefore = taken + index < before && (deadLetter?.failedAt ?? 0) <= startedAt;
          if (inRound.has(id) || (redriven.has(id) && fromBefore)) return;
          inRound.add(id);
          redriven.add(id);
          toSend.push(message);
        });
        await Promise.all(toSend.map((message) => this.#sendBack(message)));
        for (const message of letters) channel.ack(message);
        return { taken: letters.length, sent: toSend.length };
      });
      taken += round.taken;
      moved += round.sent;
      if (round.taken === 0) break;
    }
    return moved;
  }

  async purge(): Promise<number> {
    return this.#withChannel(async (channel) => {
      const purging = channel.purgeQueue(this.#queue.targets.deadLetter);
      return (await bounded(purging, this.#queue.timeoutMs, 'queue.purge')).messageCount;
    });
  }

  /** One letter, unacked: ours until acked or this channel closes. */
  #get(channel: AmqpChannel): Promise<AmqpMessage | false> {
    return bounded(
      channel.get(this.#queue.targets.deadLetter, { noAck: false }),
      this.#queue.timeoutMs,
      'basic.get',
    );
  }

  /** Back to its source with the attempt count reset and no dead-letter fields. */
  async #sendBack(message: AmqpMessage): Promise<void> {
    const received = readMessage(message);
    await this.#queue.copies.publishCopy(this.#queue.sourceQueue(received.deadLetter?.sourceQueue), {
      body: message.content,
      attributes: received.attributes,
      meta: copyMeta({ ...received.meta, id: received.id }, { attemptOffset: 0 }),
    });
  }

  /** Closing the channel returns whatever it still holds unacked: that is what makes peek safe. */
  async #withChannel<T>(work: (channel: AmqpChannel) => Promise<T>): Promise<T> {
    const { channel } = await this.#queue.session.channel();
    try {
      return await work(channel);
    } finally {
      // A failed operation has closed the channel already, and its own error is what matters.
      // Otherwise the CloseOk proves the acks of a redrive round arrived; a close that fails
      // leaves them unproven, and those letters may be redriven again (duplicates, never a loss).
      await bounded(channel.close(), this.#queue.timeoutMs, 'closing a channel').catch(() => undefined);
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
