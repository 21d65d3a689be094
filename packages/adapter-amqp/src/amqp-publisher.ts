import type { AmqpConfirmChannel, PublishOptions } from './amqp-client.js';
import { AmqpNoRouteError, AmqpTimeoutError, AmqpUnavailableError } from './amqp-errors.js';

/** A publish waiting for its confirm, in the order published (so deadlines are in order too). */
interface Awaited {
  readonly deadline: number;
  readonly messageId: string;
  /** Set by a basic.return, which comes before the confirm: the publish then fails with it. */
  returned: AmqpNoRouteError | undefined;
  /** Settles the publish; undefined once it has been settled (confirmed, refused or timed out). */
  settle: ((error: Error) => void) | undefined;
}

/**
 * Publishes on one confirm channel and resolves each publish once RabbitMQ has confirmed it.
 * Every publish is `mandatory`: a basic.return (unroutable) arrives before the confirm of the same
 * message, and turns that publish into an `AmqpNoRouteError` instead of a silent drop (P5).
 * Returns are matched to publishes by `messageId`, oldest unconfirmed first (RabbitMQ handles one
 * channel's publishes in order), by a scan of the unconfirmed publishes: a return is rare, and an
 * index by messageId would cost a map insert and delete on every publish.
 */
export class AmqpPublisher {
  readonly #channel: AmqpConfirmChannel;
  #closed: Error | undefined;
  /** Set while amqplib's write buffer is full; settled on 'drain', or on close (publish then fails). */
  #drained: { promise: Promise<void>; resolve: () => void } | undefined;
  readonly #timeoutMs: number;
  /**
   * Unconfirmed publishes, oldest first, for the confirm deadline: one timer for all of them,
   * armed for the oldest, rather than one timer per publish (tens of thousands per second).
   */
  readonly #awaited: Awaited[] = [];
  #awaitedHead = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(channel: AmqpConfirmChannel, timeoutMs: number) {
    this.#channel = channel;
    this.#timeoutMs = timeoutMs;
    channel.on('return', (message) => {
      const id = String(message.properties.messageId ?? '');
      const entry = this.#oldestUnreturned(id);
      if (entry) {
        entry.returned = new AmqpNoRouteError(
          message.fields.exchange,
          message.fields.routingKey,
          String((message.fields as { replyText?: unknown }).replyText ?? 'NO_ROUTE'),
        );
      }
    });
    channel.on('drain', () => this.#release());
    channel.on('close', () => {
      this.#closed ??= new AmqpUnavailableError('the publishing channel closed');
      this.#release();
    });
    // A channel error is followed by 'close'; listening keeps it from becoming an uncaught error.
    channel.on('error', (error: Error) => {
      this.#closed = new AmqpUnavailableError(`the publishing channel failed: ${error.message}`, {
        cause: error,
      });
    });
  }

  get open(): boolean {
    return this.#closed === undefined;
  }

  /**
   * Backpressure, per batch rather than per message: resolves once amqplib's write buffer has
   * drained if a publish found it full. Waiting inside a batch would stall the pipeline of confirms.
   */
  writable(): Promise<void> {
    return this.#drained?.promise ?? Promise.resolve();
  }

  /**
   * Resolves when confirmed; rejects on return, nack, the channel closing first, or no confirm
   * within the timeout (AmqpTimeoutError: the message may or may not have been published).
   */
  publish(exchange: string, routingKey: string, body: Uint8Array, options: PublishOptions): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    const messageId = String(options.messageId ?? '');
    const content = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return new Promise<void>((resolve, reject) => {
      const awaited: Awaited = {
        deadline: Date.now() + this.#timeoutMs,
        messageId,
        returned: undefined,
        settle: undefined,
      };
      const callback = (error: unknown) => {
        if (awaited.settle === undefined) return; // timed out already: the caller has its answer
        awaited.settle = undefined;
        this.#trim();
        if (error) reject(this.#closed && !isNack(error) ? this.#closed : error);
        else if (awaited.returned) reject(awaited.returned);
        else resolve();
      };
      awaited.settle = (error) => {
        awaited.settle = undefined;
        reject(error);
      };
      this.#await(awaited);
      let ok: boolean;
      try {
        ok = this.#channel.publish(exchange, routingKey, content, options, callback);
      } catch (error) {
        callback(this.#closed ?? error);
        return;
      }
      if (!ok && !this.#drained) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => {
          resolve = r;
        });
        this.#drained = { promise, resolve };
      }
    });
  }

  /** The oldest unconfirmed publish of `messageId` not returned yet (a job's copies share its id). */
  #oldestUnreturned(messageId: string): Awaited | undefined {
    for (let i = this.#awaitedHead; i < this.#awaited.length; i++) {
      const awaited = this.#awaited[i]!;
      if (awaited.settle !== undefined && awaited.messageId === messageId && awaited.returned === undefined)
        return awaited;
    }
    return undefined;
  }

  #release(): void {
    this.#drained?.resolve();
    this.#drained = undefined;
  }

  /** Drops settled publishes from the head (confirms come in order, so this stays short). */
  #trim(): void {
    while (
      this.#awaitedHead < this.#awaited.length &&
      this.#awaited[this.#awaitedHead]!.settle === undefined
    ) {
      this.#awaitedHead++;
    }
    if (this.#awaitedHead === this.#awaited.length) {
      this.#awaited.length = 0;
      this.#awaitedHead = 0;
    } else if (this.#awaitedHead > 1024 && this.#awaitedHead * 2 > this.#awaited.length) {
      this.#awaited.splice(0, this.#awaitedHead);
      this.#awaitedHead = 0;
    }
  }

  #await(awaited: Awaited): void {
    this.#awaited.push(awaited);
    if (this.#timer === undefined) this.#arm(awaited.deadline);
  }

  #arm(deadline: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, deadline - Date.now()));
    this.#timer.unref(); // the socket keeps the process alive while confirms can still come
  }

  /** Fails every publish past its deadline, drops settled ones, and re-arms for the oldest left. */
  #expire(): void {
    this.#timer = undefined;
    const now = Date.now();
    while (this.#awaitedHead < this.#awaited.length) {
      const oldest = this.#awaited[this.#awaitedHead]!;
      if (oldest.settle !== undefined && oldest.deadline > now) break;
      this.#awaitedHead++;
      oldest.settle?.(
        new AmqpTimeoutError(
          `no publisher confirm within ${this.#timeoutMs} ms (publish_timeout_ms); the message may or may not have been published`,
        ),
      );
    }
    this.#trim();
    const next = this.#awaited[this.#awaitedHead];
    if (next) this.#arm(next.deadline);
  }
}

/** amqplib's error for a basic.nack: the broker refused the message (kept as is, not 'closed'). */
function isNack(error: unknown): boolean {
  return error instanceof Error && /nack/i.test(error.message);
}
