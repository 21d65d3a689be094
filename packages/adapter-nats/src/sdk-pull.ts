import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { JsMsg } from '@nats-io/jetstream';
import { JetStreamStatus } from '@nats-io/jetstream/internal';
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { PullBatch, ReceivedMessage } from './nats-client.js';
import { NatsPullUnansweredError } from './nats-errors.js';

/**
 * `toJsMsg` is what the SDK's own consumers wrap a delivered Msg with, but the package does not
 * export it (not even from `/internal`). It is loaded from the same CommonJS module the SDK uses,
 * so `job.raw` stays the SDK's own JsMsg; the client is pinned (~3.3.1) for this.
 */
const requireFromHere = createRequire(import.meta.url);
const { toJsMsg } = requireFromHere(
  join(dirname(requireFromHere.resolve('@nats-io/jetstream')), 'jsmsg.js'),
) as { toJsMsg: (msg: Msg, ackTimeoutMs?: number) => JsMsg };

/** A pull the server did not end by this long after its expiry fails (NatsPullUnansweredError). */
const EXPIRY_GRACE_MS = 2_000;

/**
 * One JetStream pull request made by hand: a `CONSUMER.MSG.NEXT` request whose reply subject is a
 * subscription of its own, with no status iterator or heartbeat timer around it (the SDK's
 * `fetch()` builds those for every pull, which showed as time the worker waited on the server).
 *
 * The server ends a pull with a status on the reply subject: 404/408 (nothing (more) to deliver,
 * or the request expired), 409 (a limit such as MaxWaiting, or the consumer was deleted), 503 (no
 * consumer answers). Each ends the pull; those saying the consumer is gone, or the request is bad,
 * make `next()` reject, as `fetch()` does, so the core backs off.
 */
export class SdkPull implements PullBatch {
  readonly #requested: number;
  readonly #wrap: (msg: Msg) => ReceivedMessage;
  readonly #subscription: Subscription;
  readonly #timer: NodeJS.Timeout;
  readonly #arrived: ReceivedMessage[] = [];
  #received = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(
    nc: NatsConnection,
    requestSubject: string,
    options: { maxMessages: number; expiresMs: number; ackTimeoutMs: number },
    wrap: (js: JsMsg, msg: Msg) => ReceivedMessage,
  ) {
    this.#requested = options.maxMessages;
    this.#wrap = (msg) => wrap(toJsMsg(msg, options.ackTimeoutMs), msg);
    const inbox = createInbox();
    this.#subscription = nc.subscribe(inbox, { callback: (error, msg) => this.#onMessage(error, msg) });
    this.#timer = setTimeout(
      () => this.#unanswered(requestSubject),
      options.expiresMs + EXPIRY_GRACE_MS,
    ).unref();
    const body = JSON.stringify({ batch: options.maxMessages, expires: options.expiresMs * 1_000_000 });
    nc.publish(requestSubject, body, { reply: inbox });
  }

  next(): Promise<ReceivedMessage | undefined> {
    const message = this.#arrived.shift();
    if (message !== undefined) return Promise.resolve(message);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise<void>((resolve) => (this.#wake = resolve)).then(() => this.next());
  }

  take(): ReceivedMessage | undefined {
    return this.#arrived.shift();
  }

  buffered(): number {
    return this.#arrived.length;
  }

  pending(): number {
    return this.#ended ? 0 : this.#requested - this.#received;
  }

  /** Unsubscribing is what makes the server drop the request: it delivers only to listened subjects. */
  stop(): void {
    this.#end(undefined);
  }

  /** The server did not end the pull by its expiry: it never had it (see NatsPullUnansweredError). */
  #unanswered(requestSubject: string): void {
    this.#end(
      new NatsPullUnansweredError(
        `the server never answered the pull request on ${requestSubject}: its consumer may not exist`,
      ),
    );
  }

  #onMessage(error: Error | null, msg: Msg): void {
    if (this.#ended) return;
    if (error) {
      this.#end(error);
      return;
    }
    if (msg.reply?.startsWith('$JS.ACK.')) {
      this.#arrived.push(this.#wrap(msg));
      this.#received++;
      if (this.#received >= this.#requested) this.#end(undefined);
      else this.#notify();
      return;
    }
    const status = new JetStreamStatus(msg);
    if (status.parseHeartbeat()) return;
    const fatal =
      status.code === 400 ||
      status.code === 503 ||
      status.isConsumerDeleted() ||
      status.isConsumerIsPushBased();
    this.#end(fatal ? status.toError() : undefined);
  }

  #end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    clearTimeout(this.#timer);
    this.#subscription.unsubscribe();
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
