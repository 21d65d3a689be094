import { pause, systemClock } from '@polyqueue/core/driver';
import type { AmqpChannel, AmqpConnect, AmqpConnection } from './amqp-client.js';
import { type Closable, closeBounded } from './amqp-close.js';
import { bounded } from './amqp-deadline.js';
import { AmqpUnavailableError } from './amqp-errors.js';
import { AmqpPublisher } from './amqp-publisher.js';

/** One live connection: its publisher, and a promise that settles when the connection is lost. */
export interface Link {
  readonly connection: AmqpConnection;
  /**
   * The confirm channel's publisher. RabbitMQ closes a channel on some publish errors (a message
   * over its max_message_size, an exchange deleted under us) while the connection lives on:
   * `AmqpSession.publisher()` then opens a new one, so one bad publish cannot fail every later one.
   */
  publisher: AmqpPublisher;
  /** A new confirm channel being opened (one at a time). */
  renewing?: Promise<AmqpPublisher> | undefined;
  /** Counts connections: a channel from an older link is dead, whatever it says. */
  readonly generation: number;
  readonly lost: Promise<void>;
  alive: boolean;
}

export interface SessionOptions {
  /** The URL with credentials masked, for messages. */
  readonly redacted: string;
  readonly connectTimeoutMs: number;
  readonly reconnectMaxMs: number;
  /** Bound of every wait on RabbitMQ's answer once connected: confirms, channel opens, closes. */
  readonly publishTimeoutMs: number;
  /** Runs on every new connection before anyone uses it: redeclares the topology. */
  readonly onConnect: (link: Link) => Promise<void>;
  /**
   * Told about connection errors ('connection'), failed reconnects ('reconnect') and failed
   * closes ('close'); never throws.
   */
  readonly report: (action: string, error: unknown) => void;
}

const FIRST_RETRY_MS = 100;

/**
 * The connection to RabbitMQ, kept up. amqplib does not reconnect channels, so this does: after
 * a loss it reconnects with exponential backoff (100 ms doubling to `reconnectMaxMs`), runs
 * `onConnect` (topology), and hands the new link to whoever waits in `link()`. Receivers notice
 * the new generation and open new channels; deliveries from the old one are never acked on it.
 */
export class AmqpSession {
  readonly #connect: AmqpConnect;
  readonly #options: SessionOptions;
  #link: Link | undefined;
  #connecting: Promise<Link> | undefined;
  #generation = 0;
  #closed = false;
  /** Aborted by close(): a reconnect backoff then ends at once rather than hold the process. */
  readonly #closing = new AbortController();
  #lastError: unknown;
  #waiters = new Set<() => void>();

  constructor(connect: AmqpConnect, options: SessionOptions) {
    this.#connect = connect;
    this.#options = options;
  }

  /** The live link right now, if any (no waiting). */
  get current(): Link | undefined {
    return this.#link?.alive ? this.#link : undefined;
  }

  /**
   * The live link, waiting up to `connectTimeoutMs` for a lost one to come back. Rejects with a
   * retryable AmqpUnavailableError when it does not, or once the session is closed.
   */
  async link(): Promise<Link> {
    if (this.#closed) throw new AmqpUnavailableError('the connection is closed');
    if (this.#link?.alive) return this.#link;
    this.#connecting ??= this.#reconnectLoop();
    const connecting = this.#connecting;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new AmqpUnavailableError(
              `RabbitMQ at ${this.#options.redacted} is unreachable (still reconnecting after ${this.#options.connectTimeoutMs} ms)`,
              { cause: this.#lastError },
            ),
          ),
        this.#options.connectTimeoutMs,
      );
    });
    const closed = new Promise<never>((_, reject) => {
      const wake = () => reject(new AmqpUnavailableError('the connection is closed'));
      this.#waiters.add(wake);
      void connecting.finally(() => this.#waiters.delete(wake)).catch(() => undefined);
    });
    try {
      return await Promise.race([connecting, timeout, closed]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Connects once, without retrying: for the first connection, so a bad URL fails fast. */
  async open(): Promise<Link> {
    this.#connecting ??= this.#attach();
    try {
      return await this.#connecting;
    } finally {
      this.#connecting = undefined;
    }
  }

  /** The link's publisher, on a new confirm channel if RabbitMQ closed the last one. */
  publisher(link: Link): Promise<AmqpPublisher> {
    if (link.publisher.open) return Promise.resolve(link.publisher);
    if (!link.alive) return Promise.reject(new AmqpUnavailableError('the connection was lost'));
    link.renewing ??= this.#openPublisher(link.connection).then(
      (publisher) => {
        link.publisher = publisher;
        link.renewing = undefined;
        return publisher;
      },
      (error: unknown) => {
        link.renewing = undefined;
        throw error;
      },
    );
    return link.renewing;
  }

  async #openPublisher(connection: AmqpConnection): Promise<AmqpPublisher> {
    const { publishTimeoutMs } = this.#options;
    const opening = connection.createConfirmChannel();
    const confirm = await bounded(opening, publishTimeoutMs, 'opening the publishing channel', (late) => {
      this.#closeLate(late); // opened too late: nobody will use it
    });
    return new AmqpPublisher(confirm, publishTimeoutMs);
  }

  /** A plain channel on the live link, for topology work and gets. */
  async channel(): Promise<{ channel: AmqpChannel; link: Link }> {
    const link = await this.link();
    const opening = link.connection.createChannel();
    const channel = await bounded(opening, this.#options.publishTimeoutMs, 'opening a channel', (late) => {
      this.#closeLate(late); // opened too late: nobody will use it
    });
    channel.on('error', () => undefined); // the operation that failed rejects with it
    return { channel, link };
  }

  /**
   * `graceful` closes the connection cleanly; `abandon` drops it as a crash would. Either way
   * RabbitMQ requeues every unacked delivery of this connection.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    for (const wake of this.#waiters) wake();
    const link = this.#link;
    if (link) {
      link.alive = false;
      await closeBounded(link.connection, this.#options.publishTimeoutMs, 'closing the connection').catch(
        (error: unknown) => this.#options.report('close', error),
      );
    }
  }

  /** Closes a channel or connection that came after its deadline; a failed close is reported. */
  #closeLate(late: Closable): void {
    closeBounded(late, this.#options.publishTimeoutMs, 'closing what came too late').catch((error: unknown) =>
      this.#options.report('close', error),
    );
  }

  async #reconnectLoop(): Promise<Link> {
    let delay = FIRST_RETRY_MS;
    for (;;) {
      if (this.#closed) throw new AmqpUnavailableError('the connection is closed');
      try {
        const link = await this.#attach();
        this.#connecting = undefined;
        return link;
      } catch (error) {
        this.#lastError = error;
        this.#options.report('reconnect', error);
      }
      await pause(systemClock, delay * (0.8 + Math.random() * 0.4), this.#closing.signal);
      delay = Math.min(this.#options.reconnectMaxMs, delay * 2);
    }
  }

  async #attach(): Promise<Link> {
    const { connectTimeoutMs, publishTimeoutMs, report } = this.#options;
    // connect_timeout_ms 0 means "never wait for a lost connection", not "never connect".
    const attemptMs = connectTimeoutMs > 0 ? connectTimeoutMs : publishTimeoutMs;
    const connection = await bounded(this.#connect(), attemptMs, 'connecting', (late) => {
      // Connected too late: closed at once, nobody uses it. The listener keeps a socket error of
      // this unused connection from crashing the process; a failed close is reported.
      late.on('error', () => undefined);
      this.#closeLate(late);
    });
    // Listeners first, before any other await: amqplib emits 'error' on a connection whose socket
    // ends or resets, and an 'error' with no listener crashes the host process. A socket that
    // drops right after it opened must only fail this attempt (retryable), never kill the process.
    let link: Link | undefined;
    let markLost!: () => void;
    const lost = new Promise<void>((resolve) => {
      markLost = resolve;
    });
    connection.on('error', (error: Error) => report('connection', error));
    connection.on('close', () => {
      markLost();
      if (link === undefined) return;
      link.alive = false;
      if (this.#link === link) this.#link = undefined;
    });
    try {
      link = {
        connection,
        publisher: await this.#openPublisher(connection),
        generation: ++this.#generation,
        lost,
        alive: true,
      };
      await this.#options.onConnect(link);
      if (this.#closed) throw new AmqpUnavailableError('the connection is closed');
      if (!link.alive) throw new AmqpUnavailableError('the connection was lost while it opened');
      this.#link = link;
      return link;
    } catch (error) {
      if (link) link.alive = false;
      // This attempt's own error is what the caller gets; the close only releases the socket.
      await closeBounded(connection, publishTimeoutMs, 'closing a failed connection').catch(
        (closeError: unknown) => report('close', closeError),
      );
      throw error;
    }
  }
}
