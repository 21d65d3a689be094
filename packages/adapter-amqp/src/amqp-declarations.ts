import type { QueueTopology } from '@polyqueue/core/driver';
import type { AmqpChannel } from './amqp-client.js';
import { closeBounded } from './amqp-close.js';
import { bounded } from './amqp-deadline.js';
import { amqpErrorCode } from './amqp-errors.js';
import { type NativeNames, targetWord } from './amqp-names.js';
import type { QueueType } from './amqp-options.js';
import type { Link } from './amqp-session.js';
import { declareCascade, declareQueue } from './amqp-topology.js';

export interface DeclarationOptions {
  readonly names: NativeNames;
  readonly queueType: QueueType;
  readonly delayLevels: number;
  /** Bound of each declaration's wait for RabbitMQ (publish_timeout_ms). */
  readonly timeoutMs: number;
  /** Failures nobody awaits: a declaration channel that would not close ('close'); never throws. */
  readonly report: (action: string, error: unknown) => void;
}

/** Per connection: whether the cascade is declared, and work queues known to be bound to it. */
interface DelayReady {
  generation: number;
  cascade: Promise<void> | undefined;
  bound: Map<string, Promise<void>>;
}

/**
 * What the driver declares on RabbitMQ, and what it knows is declared on the current
 * connection: the shared delay cascade, work queues with their DLQs, and each work queue's
 * binding to the cascade. The bookkeeping resets on every reconnect (a restarted broker may have
 * lost non-durable state, or been wiped).
 */
export class Declarations {
  readonly #options: DeclarationOptions;
  #ready: DelayReady = { generation: 0, cascade: undefined, bound: new Map() };

  constructor(options: DeclarationOptions) {
    this.#options = options;
  }

  /**
   * The cascade exists and the queue is bound to its deliver exchange, checked once per
   * connection. The queue is checked passively: a delayed send to a missing queue must fail now
   * (P5), not vanish at the end of the cascade.
   */
  async delayable(link: Link, nativeQueue: string): Promise<void> {
    await this.#cascade(link);
    const ready = this.#readyOn(link);
    let bound = ready.bound.get(nativeQueue);
    if (!bound) {
      bound = this.#onChannel(link, async (channel) => {
        await channel.checkQueue(nativeQueue);
        await channel.bindQueue(nativeQueue, this.#options.names.deliver, `#.${targetWord(nativeQueue)}`);
      }).catch((error: unknown) => {
        ready.bound.delete(nativeQueue);
        throw error;
      });
      ready.bound.set(nativeQueue, bound);
    }
    await bound;
  }

  /** The work queue, its DLQ and the cascade. */
  async declare(link: Link, queue: QueueTopology): Promise<void> {
    const { names, queueType } = this.#options;
    await this.#cascade(link);
    try {
      await this.#onChannel(link, (channel) => declareQueue(channel, names, queueType, queue));
    } catch (error) {
      // Declared before with other arguments (another maxAttempts, so another delivery limit):
      // RabbitMQ refuses to redeclare (406). The queue exists; keep it as it is (see README).
      if (amqpErrorCode(error) !== 'InvalidArgument') throw error;
      await this.#onChannel(link, (channel) => channel.checkQueue(names.queue(queue.deadLetterName)));
    }
    await this.delayable(link, names.queue(queue.name));
  }

  /** A short-lived channel: a failed declaration closes its channel, never the publisher's. */
  async #onChannel<T>(link: Link, work: (channel: AmqpChannel) => Promise<T>): Promise<T> {
    const { timeoutMs } = this.#options;
    const channel = await bounded(link.connection.createChannel(), timeoutMs, 'opening a channel');
    let closed = false;
    channel.on('close', () => {
      closed = true;
    });
    channel.on('error', () => undefined); // the operation that failed rejects with it
    try {
      return await bounded(work(channel), timeoutMs, 'a declaration');
    } finally {
      // A failed declaration has closed it already. A close that fails or hangs leaves a channel
      // RabbitMQ drops with its connection: reported, while the declaration's own outcome stands.
      if (!closed) {
        await closeBounded(channel, timeoutMs, 'closing a channel').catch((error: unknown) =>
          this.#options.report('close', error),
        );
      }
    }
  }

  /** This connection's bookkeeping, reset on every reconnect. */
  #readyOn(link: Link): DelayReady {
    if (this.#ready.generation !== link.generation) {
      this.#ready = { generation: link.generation, cascade: undefined, bound: new Map() };
    }
    return this.#ready;
  }

  /** The shared cascade, declared once per connection. */
  async #cascade(link: Link): Promise<void> {
    const ready = this.#readyOn(link);
    const { names, queueType, delayLevels } = this.#options;
    ready.cascade ??= this.#onChannel(link, (channel) =>
      declareCascade(channel, names, queueType, delayLevels),
    ).catch((error: unknown) => {
      ready.cascade = undefined;
      throw error;
    });
    await ready.cascade;
  }
}
