import type { DeadLetterStore, RedriveRequest, StoredDeadLetter } from '@polyqueue/core/driver';
import type { AmqpMessage } from './amqp-client.js';
import { bounded } from './amqp-deadline.js';
import { readMessage } from './amqp-message.js';
import { redriveLetters, storedDeadLetter } from './amqp-redrive.js';
import { DeadLetterChannel } from './dead-letter-channel.js';
import type { QueueContext } from './queue-context.js';

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
    return DeadLetterChannel.using(this.#queue, async (channel) => {
      const letters: StoredDeadLetter[] = [];
      while (letters.length < limit) {
        const message = await channel.get();
        if (message === false) break;
        letters.push(toStored(message));
      }
      return letters;
    });
  }

  /**
   * See `redriveLetters`: twins of one job are moved once per call, and never a letter dropped;
   * with `select`, the refused letters are held unacked on the call's one channel until it ends.
   */
  redrive(request: RedriveRequest): Promise<number> {
    return redriveLetters(this.#queue, request);
  }

  async purge(): Promise<number> {
    return DeadLetterChannel.using(this.#queue, async ({ channel }) => {
      const purging = channel.purgeQueue(this.#queue.targets.deadLetter);
      return (await bounded(purging, this.#queue.timeoutMs, 'queue.purge')).messageCount;
    });
  }
}

function toStored(message: AmqpMessage): StoredDeadLetter {
  return storedDeadLetter(message, readMessage(message));
}
