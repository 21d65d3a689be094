import type { QueueStats } from '../driver/queue-stats.js';
import { ConfigError } from '../errors/config-error.js';
import { DeadLetters } from './dead-letters.js';
import { compose, type Handler } from './job.js';
import type { SendOptions, WorkerOptions } from './options.js';
import type { QueueRuntime } from './queue-runtime.js';
import { type BatchItem, type SendResult, sendBatch, sendSync } from './send-batch.js';
import { Worker } from './worker.js';

/** The runtime behind a queue, for `platformOf` (set by Queue's static block below). */
let runtimeOfQueue: <T>(queue: Queue<T, never>) => QueueRuntime<T>;

/** @internal The runtime behind `queue`; throws a TypeError for anything that is not a Queue. */
export function queueRuntime<T>(queue: Queue<T, never>): QueueRuntime<T> {
  return runtimeOfQueue(queue);
}

/**
 * A named queue on a broker: send jobs to it, process them, manage its dead letters. Handlers get
 * payloads of type `T`; `send` takes `I`, the schema's input type (the same as `T` without one).
 */
export class Queue<T = unknown, I = T> {
  readonly name: string;
  /** List, redrive and purge this queue's dead letters. */
  readonly deadLetters: DeadLetters<T>;
  readonly #rt: QueueRuntime<T>;

  static {
    // A friend accessor rather than a public property: platform adapters reach the runtime through
    // `platformOf` (@polyqueue/core/driver), and the user-facing Queue shows none of it.
    runtimeOfQueue = <T>(queue: Queue<T, never>) => queue.#rt;
  }

  /** @internal Created by `broker.queue()`. */
  constructor(rt: QueueRuntime<T>) {
    this.#rt = rt;
    this.name = rt.topology.name;
    this.deadLetters = new DeadLetters(rt);
  }

  /** Sends one job and resolves with its id once the broker has accepted it. */
  async send(payload: I, options?: SendOptions): Promise<string> {
    const [result] = await sendBatch(this.#rt, [options === undefined ? { payload } : { payload, options }]);
    if (!result!.ok) throw result!.error;
    return result!.id;
  }

  /**
   * Sends one job inside a synchronous database transaction (better-sqlite3's `db.transaction(fn)`
   * on `sqlite://`), where `await send(...)` cannot work: the transaction commits when `fn` returns,
   * before anything awaited runs. The job is written before this returns; any failure throws, so
   * `fn` throws and the transaction rolls back with it. The queue must already exist
   * (`await queue.provision()` once, outside the transaction) and its schema must validate
   * synchronously. Needs capability `transactions` and an adapter with synchronous transactions.
   */
  sendSync(payload: I, options: SendOptions & { readonly transaction: unknown }): string {
    return sendSync(this.#rt, payload, options);
  }

  /**
   * Sends many jobs, in batches as large as the broker allows. Never rejects for one bad item:
   * resolves with one result per item, in input order.
   */
  sendBatch(items: readonly BatchItem<I>[]): Promise<SendResult[]> {
    return sendBatch(this.#rt, items);
  }

  /** Starts a worker that runs `handler` for every job on this queue. */
  process(handler: Handler<T>, options: WorkerOptions = {}): Worker<T> {
    this.#rt.assertOpen('process');
    const concurrency = positiveInt('concurrency', options.concurrency ?? 1);
    const prefetch = nonNegativeInt('prefetch', options.prefetch ?? concurrency);
    const handlerTimeoutMs = options.handlerTimeoutMs ?? this.#rt.handlerTimeoutMs;
    const worker = new Worker(this.#rt, compose(options.middleware ?? [], handler), {
      concurrency,
      prefetch,
      handlerTimeoutMs,
    });
    this.#rt.remember(worker);
    return worker;
  }

  /**
   * Approximate ready / delayed / in-flight / dead-lettered counts. A count the broker cannot tell
   * is `undefined` (`broker.capabilities.stats` lists those it gives), never a made-up 0.
   */
  async stats(): Promise<QueueStats> {
    this.#rt.assertOpen('read stats');
    await this.#rt.ensureProvisioned();
    try {
      return await this.#rt.driver.stats(this.#rt.topology);
    } catch (error) {
      throw this.#rt.wrapError(error, 'read stats');
    }
  }

  /** Creates the queue and its dead-letter queue now, instead of on first use. */
  provision(): Promise<void> {
    this.#rt.assertOpen('provision');
    return this.#rt.ensureProvisioned();
  }
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`${name} must be an integer >= 1, got ${value}`);
  return value;
}

function nonNegativeInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigError(`${name} must be an integer >= 0, got ${value}`);
  return value;
}
