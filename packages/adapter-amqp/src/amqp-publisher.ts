import type { AmqpConfirmChannel, PublishOptions } from './amqp-client.js';
import { AmqpNoRouteError, AmqpUnavailableError } from './amqp-errors.js';

interface Pending {
  readonly messageId: string;
  returned?: AmqpNoRouteError;
}

/**
 * Publishes on one confirm channel and resolves each publish once RabbitMQ has confirmed it.
 * Every publish is `mandatory`: a basic.return (unroutable) arrives before the confirm of the same
 * message, and turns that publish into an `AmqpNoRouteError` instead of a silent drop (P5).
 * Returns are matched to publishes by `messageId`, oldest unconfirmed first (RabbitMQ handles one
 * channel's publishes in order).
 */
export class AmqpPublisher {
  readonly #channel: AmqpConfirmChannel;
  readonly #pending: Pending[] = [];
  #closed: Error | undefined;
  #drained: Promise<void> | undefined;

  constructor(channel: AmqpConfirmChannel) {
    this.#channel = channel;
    channel.on('return', (message) => {
      const id = String(message.properties.messageId ?? '');
      const entry = this.#pending.find((p) => p.messageId === id && p.returned === undefined);
      if (entry) {
        entry.returned = new AmqpNoRouteError(
          message.fields.exchange,
          message.fields.routingKey,
          String((message.fields as { replyText?: unknown }).replyText ?? 'NO_ROUTE'),
        );
      }
    });
    channel.on('drain', () => {
      this.#drained = undefined;
    });
    channel.on('close', () => {
      this.#closed ??= new AmqpUnavailableError('the publishing channel closed');
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

  /** Resolves when confirmed; rejects on return, nack, or the channel closing first. */
  async publish(
    exchange: string,
    routingKey: string,
    body: Uint8Array,
    options: PublishOptions,
  ): Promise<void> {
    if (this.#closed) throw this.#closed;
    // Respect amqplib's write buffer: wait for 'drain' when it says the socket is full.
    if (this.#drained) await this.#drained;
    const entry: Pending = { messageId: String(options.messageId ?? '') };
    this.#pending.push(entry);
    const content = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return new Promise<void>((resolve, reject) => {
      const callback = (error: unknown) => {
        const i = this.#pending.indexOf(entry);
        if (i >= 0) this.#pending.splice(i, 1);
        if (error)
          reject(
            this.#closed && !(error instanceof Error && /nack/i.test(error.message)) ? this.#closed : error,
          );
        else if (entry.returned) reject(entry.returned);
        else resolve();
      };
      let ok: boolean;
      try {
        ok = this.#channel.publish(exchange, routingKey, content, options, callback);
      } catch (error) {
        callback(this.#closed ?? error);
        return;
      }
      if (!ok && !this.#drained) {
        this.#drained = new Promise<void>((r) => this.#channel.once('drain', () => r()));
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = new AmqpUnavailableError('the publishing channel closed');
    await this.#channel.close().catch(() => undefined);
  }
}
