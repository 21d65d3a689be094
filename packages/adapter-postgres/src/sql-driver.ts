import {
  type BackgroundErrorSink,
  type Capabilities,
  type Clock,
  type DeadLetterStore,
  type Driver,
  DriverLifecycle,
  type ErrorCode,
  type OutgoingMessage,
  type QueueService,
  type QueueStats,
  type QueueTopology,
  type Receiver,
  type ReceiverOptions,
  type SendCallOptions,
  type SendOutcome,
  systemClock,
  Wakeup,
} from '@polyqueue/core/driver';
import type { Dialect } from './dialect.js';
import { type QueueContext, queueContext } from './queue-context.js';
import { sendStatements, sendSyncInTransaction } from './send-statements.js';
import { QueueMissingError, SqlDeadLetterStore } from './sql-dead-letters.js';
import { sqlErrorCode } from './sql-errors.js';
import type { SqlExecutor, SqlRunner } from './sql-executor.js';
import { toNumber } from './sql-executor.js';
import type { SqlSettings } from './sql-options.js';
import { SqlReceiver } from './sql-receiver.js';
import { DEDUP_SWEEP, PROVISION, QUEUE_NAMES, STATS } from './statements.js';
import { transactionRunner } from './transaction-handle.js';

/** How often a driver sweeps a queue's expired dedup ids (on a send carrying one). */
const DEDUP_SWEEP_EVERY_MS = 10_000;

/** Most messages one send carries (the core chunks larger batches): 500 rows x 9 parameters. */
export const MAX_BATCH_SIZE = 500;

export interface SqlDriverOptions {
  readonly executor: SqlExecutor;
  readonly dialect: Dialect;
  readonly settings: SqlSettings;
  /** Brings the schema up to date; run once, before the first statement. */
  readonly migrate: () => Promise<unknown>;
  readonly clock?: Clock;
}

/**
 * The SQL driver: one mechanism over a dialect (PostgreSQL or SQLite). Jobs are rows; a fetch
 * leases rows; settlements update or delete them (README "Delivery semantics").
 */
export class SqlDriver implements Driver {
  readonly name: string;
  readonly capabilities: Capabilities;
  readonly #executor: SqlExecutor;
  readonly #dialect: Dialect;
  readonly #settings: SqlSettings;
  readonly #migrate: () => Promise<unknown>;
  readonly #wakeups = new Map<string, Wakeup>();
  /** When each queue's expired dedup ids are next swept (epoch ms). */
  readonly #nextSweep = new Map<string, number>();
  readonly #lifecycle: DriverLifecycle<QueueContext>;
  #ready: Promise<void> | undefined;

  constructor(options: SqlDriverOptions) {
    this.#executor = options.executor;
    this.#dialect = options.dialect;
    this.#settings = options.settings;
    this.#migrate = options.migrate;
    this.name = options.dialect.name;
    this.capabilities = sqlCapabilities(options.settings);
    const clock = options.clock ?? systemClock;
    const lifecycle: DriverLifecycle<QueueContext> = new DriverLifecycle({
      context: (topology) =>
        queueContext(
          {
            executor: this.#executor,
            dialect: this.#dialect,
            settings: this.#settings,
            clock,
            ready: () => this.ready(),
            wakeup: (queue) => this.#wakeup(queue),
            alive: () => lifecycle.alive,
          },
          topology,
        ),
      // While a receiver of the queue is open, wake-ups of the queue reach it.
      services: (queue) => [this.#listener(queue)],
      connection: this.#executor,
    });
    this.#lifecycle = lifecycle;
  }

  /** The schema migrated, once per driver; a failure is retried by the next call. */
  ready(): Promise<void> {
    this.#ready ??= this.#migrate().then(
      () => undefined,
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }

  /** Errors no caller awaits: the LISTEN connection's (`connection`), on PostgreSQL. */
  reportErrorsTo(sink: BackgroundErrorSink): void {
    this.#lifecycle.reportErrorsTo(sink);
  }

  /** Records the queue (idempotent upsert): sends to a queue never provisioned fail with NotFound. */
  async provision(topology: QueueTopology): Promise<void> {
    await this.ready();
    await this.#context(topology).run(PROVISION, [
      topology.name,
      topology.deadLetterName,
      topology.leaseMs,
      topology.maxAttempts,
    ]);
  }

  /**
   * One transaction per batch: each dedup id is claimed (a job whose id is remembered is dropped,
   * its outcome naming the kept job), the rest are inserted in one statement, and the queue's
   * receivers are woken on commit. `run_at` is the job's notBefore, or the database's now.
   */
  async send(
    topology: QueueTopology,
    messages: readonly OutgoingMessage[],
    options?: SendCallOptions,
  ): Promise<readonly SendOutcome[]> {
    await this.ready();
    const queue = this.#context(topology);
    await this.#sweepDedup(queue, messages);
    // In the application's transaction (README "Transactional enqueue"): its commit is the send's.
    if (options?.transaction !== undefined)
      return this.#sendIn(
        transactionRunner(options.transaction, this.#dialect.name, this.native()),
        queue,
        messages,
      );
    return this.#executor.transaction((tx) => this.#sendIn(tx, queue, messages));
  }

  /** `Queue.sendSync`, inside a better-sqlite3 `db.transaction(fn)` (send-statements.ts). */
  sendSync(
    topology: QueueTopology,
    messages: readonly OutgoingMessage[],
    options: SendCallOptions,
  ): SendOutcome[] {
    return sendSyncInTransaction(this.#context(topology), messages, options.transaction);
  }

  receiver(topology: QueueTopology, options: ReceiverOptions): Receiver {
    return new SqlReceiver(this.#context(topology), () => this.#lifecycle.acquire(topology), options.leaseMs);
  }

  deadLetters(topology: QueueTopology): DeadLetterStore {
    return new SqlDeadLetterStore(this.#context(topology));
  }

  /** ready: due and not leased (or its lease ran out); delayed: not due yet; inFlight: leased; deadLettered. */
  async stats(topology: QueueTopology): Promise<QueueStats> {
    await this.ready();
    const [row] = await this.#context(topology).run(STATS, [topology.name]);
    if (row === undefined || toNumber(row.known) === 0) throw new QueueMissingError(topology.name);
    return {
      ready: toNumber(row.ready),
      delayed: toNumber(row.delayed),
      inFlight: toNumber(row.in_flight),
      deadLettered: toNumber(row.dead),
    };
  }

  async queues(): Promise<readonly string[]> {
    await this.ready();
    const rows = await this.#executor.all(this.#dialect.sql(QUEUE_NAMES));
    return rows.map((row) => String(row.name));
  }

  errorCode(error: unknown): ErrorCode {
    return sqlErrorCode(error);
  }

  /** The pg `Pool` (postgres://) or the better-sqlite3 `Database` (sqlite://). */
  native(): unknown {
    return this.#executor.native();
  }

  close(mode: 'graceful' | 'abandon'): Promise<void> {
    return this.#lifecycle.close(mode);
  }

  /** The send's statements (send-statements.ts, written once for every way of sending), awaited on `tx`. */
  async #sendIn(
    tx: SqlRunner,
    queue: QueueContext,
    messages: readonly OutgoingMessage[],
  ): Promise<SendOutcome[]> {
    const steps = sendStatements(this.#dialect, this.#settings, queue.topology.name, messages);
    let step = steps.next();
    while (!step.done) step = steps.next(await tx.all(step.value[0], step.value[1]));
    const outcomes = step.value;
    // Wakes on commit (NOTIFY is transactional); nothing to wake for when every job was a duplicate.
    if (outcomes.some((outcome) => outcome.ok && outcome.duplicateOf === undefined)) await queue.notify(tx);
    return outcomes;
  }

  /**
   * Expired dedup ids are forgotten here, at most once per `DEDUP_SWEEP_EVERY_MS` per queue and
   * driver, on a send that carries one, in a statement of its own (never inside the send's
   * transaction, where it could wait on other sends); the claim forgets its own id if expired.
   */
  async #sweepDedup(queue: QueueContext, messages: readonly OutgoingMessage[]): Promise<void> {
    if (!messages.some((message) => message.meta.dedupId !== undefined)) return;
    const now = queue.clock.now();
    if (now < (this.#nextSweep.get(queue.topology.name) ?? 0)) return;
    this.#nextSweep.set(queue.topology.name, now + DEDUP_SWEEP_EVERY_MS);
    await queue.run(DEDUP_SWEEP, [queue.topology.name]);
  }

  #context(topology: QueueTopology): QueueContext {
    return this.#lifecycle.context(topology);
  }

  #wakeup(queue: string): Wakeup {
    let wakeup = this.#wakeups.get(queue);
    if (wakeup === undefined) {
      wakeup = new Wakeup();
      this.#wakeups.set(queue, wakeup);
    }
    return wakeup;
  }

  /** Routes the executor's wake-ups for this queue ('' wakes every queue: a LISTEN re-opened). */
  #listener(queue: QueueContext): QueueService {
    let stop: (() => void) | undefined;
    return {
      start: () => {
        stop = this.#executor.listen((name) => {
          if (name === queue.topology.name || name === '') queue.wakeup.notify();
        });
      },
      stop: async () => stop?.(),
    };
  }
}

export function sqlCapabilities(settings: SqlSettings): Capabilities {
  return {
    maxMessageBytes: settings.maxMessageBytes,
    maxBatchSize: MAX_BATCH_SIZE,
    // run_at holds any time: every delay is native.
    maxNativeDelayMs: Number.POSITIVE_INFINITY,
    // A lease is a timestamp: any length; a week keeps a forgotten one finite.
    lease: { expires: true, extendable: true, minMs: 1_000, maxMs: 7 * 24 * 3_600_000 },
    ordering: true,
    dedup: { windowMs: settings.dedupWindowMs },
    nativeDeadLetter: false,
    stats: ['ready', 'delayed', 'inFlight', 'deadLettered'],
    listQueues: true,
    transactions: true,
    // Times are the database's milliseconds. Late by at most: one poll interval (what no wake-up
    // announces: a lease that ran out, a job sent by another SQLite process) plus a fetch.
    timing: { granularityMs: 1, toleranceMs: settings.pollMs + 250 },
  };
}
