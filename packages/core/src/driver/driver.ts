import type { Clock } from '../clock/clock.js';
import type { ErrorCode } from '../errors/error-code.js';
import type { BackgroundErrorSink } from './background-error.js';
import type { Capabilities } from './capabilities.js';
import type { DeadLetterStore } from './dead-letter-store.js';
import type { OutgoingMessage, SendOutcome } from './outgoing-message.js';
import type { QueueStats } from './queue-stats.js';
import type { QueueTopology } from './queue-topology.js';
import type { Receiver, ReceiverOptions } from './receiver.js';

/**
 * The driver SPI: the mechanism of one broker, and nothing else.
 *
 * The core owns every policy decision (serialization, validation, attempts, backoff, when to
 * dead-letter, lease-extension scheduling, concurrency, shutdown, events). A driver:
 * - makes no policy decision and never retries on its own, except to recover its connection;
 * - never acks a delivery that was not settled as a success, and never swallows an error;
 * - reports native errors by rejecting with them as they are: the core wraps each one exactly
 *   once, using `errorCode`, and keeps it as `cause`;
 * - reports errors of work no caller awaits (forwarders, copiers, reconnects) to the sink given
 *   to `reportErrorsTo`, as they are: never swallow; report there;
 * - may have any method called concurrently, except `Receiver.receive` with itself.
 */
export interface Driver {
  /** Short adapter name for messages and logs, e.g. "amqp". */
  readonly name: string;
  readonly capabilities: Capabilities;
  /**
   * The clock the broker keeps time by. Real brokers omit it (wall clock); the memory driver on
   * virtual time returns its virtual clock so the runtime's own timers move with it.
   */
  readonly clock?: Clock;

  /**
   * Core calls this once, right after it builds the broker and before any other method. Errors of
   * work no caller awaits (a forwarder, a copier, a reconnect, a redeclare) go to `sink`, with the
   * native error as is: core wraps it once with `errorCode`, redacts it, and hands it to the
   * broker's 'error' listeners and logger. Contract: never swallow; report here. Until it is
   * called (a driver used without a broker) nothing listens: the kit's `BackgroundErrors` then writes
   * each report to stderr rather than drop it, and the driver must not crash.
   */
  reportErrorsTo?(sink: BackgroundErrorSink): void;

  /**
   * Create the queue, its dead-letter queue and any delay machinery. Idempotent: called once per
   * queue per process, and again harmlessly by every other process.
   */
  provision(queue: QueueTopology): Promise<void>;

  /**
   * Publish a batch of at most `capabilities.maxBatchSize` messages and resolve once the broker
   * has confirmed them (durably, where the broker confirms). Resolves with one outcome per message,
   * in input order; a message that failed alone is an `{ ok: false }` outcome, not a rejection.
   * Rejects only when the whole call failed. A queue that does not exist must fail with an error
   * that `errorCode` maps to NotFound: never a silent drop.
   *
   * Delays: deliver no earlier than `meta.notBefore`. Beyond `maxNativeDelayMs`, use the delay
   * path (hops or a forwarder) without counting the wait as attempts.
   *
   * A forwarder (a delay queue, topic or stream whose due messages are republished to the work
   * queue) runs while at least one receiver for the queue is open in the process: due jobs only
   * matter to consumers, and every consuming process then helps. Several forwarders on one delay
   * path must be safe together, and one that dies mid-way loses nothing: publish (with the
   * broker's dedup id where it has one), then ack.
   *
   * `options.transaction` (only when `capabilities.transactions`): the application's open database
   * transaction, as the user gave it. Write the messages through it and nothing else: no commit,
   * no rollback, no DDL (core provisions on the driver's own connection first). A handle the driver
   * does not understand is rejected with a `ValidationError`. All messages of one call share it.
   */
  send(
    queue: QueueTopology,
    messages: readonly OutgoingMessage[],
    options?: SendCallOptions,
  ): Promise<readonly SendOutcome[]>;

  /**
   * The synchronous form of a transactional send, for databases whose transactions are
   * synchronous (better-sqlite3's `db.transaction(fn)` commits when `fn` returns, so nothing
   * awaited inside it can still write). Writes through `options.transaction` before returning,
   * throws rather than rejects (so the caller's transaction rolls back), never provisions: the
   * queue must exist. Absent where the adapter has no synchronous transactions.
   */
  sendSync?(
    queue: QueueTopology,
    messages: readonly OutgoingMessage[],
    options: SendCallOptions,
  ): readonly SendOutcome[];

  /** Open a receiver for a worker. Cheap and synchronous; connecting happens on first receive. */
  receiver(queue: QueueTopology, options: ReceiverOptions): Receiver;

  deadLetters(queue: QueueTopology): DeadLetterStore;

  /**
   * Approximate counts. Every field `capabilities.stats` does not list must be `undefined` (rule
   * Q4: an honest "cannot tell", never a 0); with none listed, `UNKNOWN_STATS` of the kit. A queue
   * that does not exist fails with an error `errorCode` maps to NotFound, where the broker can tell.
   */
  stats(queue: QueueTopology): Promise<QueueStats>;

  /**
   * The logical names of the work queues polyqueue provisioned on this broker (within the URL's
   * prefix or namespace), sorted: never a dead-letter queue, nor a delay, ready or ledger entity
   * of the adapter's own. Absent when the adapter cannot list at all (core then rejects with
   * `UnsupportedFeatureError`). When only some connections can (a URL parameter is needed),
   * `capabilities.listQueues` is false on the others and this rejects with an
   * `UnsupportedFeatureError` whose hint names what is missing. Bounded: a broker with very many
   * entities is listed page by page, never in one unbounded call.
   */
  queues?(): Promise<readonly string[]>;

  /**
   * One bounded round trip proving the broker answers and accepts the credentials, for adapters
   * whose client connects lazily (createDriver resolves without contacting the broker). Rejects
   * with the native error, as any call does. Absent where createDriver already connected.
   */
  checkConnection?(): Promise<void>;

  /** Map a native error to the closed code set. Unknown errors map to Unknown. */
  errorCode(error: unknown): ErrorCode;

  /** The native client (the escape hatch). Each adapter documents its type. */
  native(): unknown;

  /**
   * `graceful`: finish in-flight publishes and settlements, give back unsettled deliveries, then
   * disconnect. `abandon`: behave as if the process died this instant: settle nothing, flush
   * nothing, drop the connection. Conformance tests use `abandon` to simulate crashes.
   */
  close(mode: 'graceful' | 'abandon'): Promise<void>;
}

/** Per-call options of `Driver.send`. */
export interface SendCallOptions {
  /** The application's transaction handle (`SendOptions.transaction`), when the job is sent in one. */
  readonly transaction?: unknown;
}
