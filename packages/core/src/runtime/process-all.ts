import { ConfigError } from '../errors/config-error.js';
import type { WorkerEvents } from './events.js';
import type { Handler } from './job.js';
import type { CloseOptions, WorkerOptions } from './options.js';
import type { Queue } from './queue.js';
import type { Worker } from './worker.js';

/**
 * One worker per queue, run and closed as one. The queues may live on different brokers: the
 * first step of moving to another broker is a worker that consumes both the old and the new one
 * (docs/migrating-brokers.md).
 */
export class WorkerGroup<T = unknown> {
  /** In the order of the queues given. */
  readonly workers: readonly Worker<T>[];

  /** @internal Created by `processAll`. */
  constructor(workers: readonly Worker<T>[]) {
    this.workers = workers;
  }

  /** Listens on every worker of the group. */
  on<K extends keyof WorkerEvents<T> & string>(
    event: K,
    listener: (...args: WorkerEvents<T>[K]) => void,
  ): this {
    for (const worker of this.workers) worker.on(event, listener);
    return this;
  }

  off<K extends keyof WorkerEvents<T> & string>(
    event: K,
    listener: (...args: WorkerEvents<T>[K]) => void,
  ): this {
    for (const worker of this.workers) worker.off(event, listener);
    return this;
  }

  /** Handlers running right now, on all queues together. */
  get active(): number {
    return this.workers.reduce((sum, worker) => sum + worker.active, 0);
  }

  /** Closes every worker at once (see `Worker.close`); resolves when all have closed. */
  async close(options: CloseOptions = {}): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close(options)));
  }
}

/**
 * Runs `handler` for the jobs of every queue in `queues`, each with its own worker and `options`
 * (concurrency and prefetch are per queue). One line to consume two brokers during a migration:
 *
 *   const worker = processAll([rabbit.queue('emails'), sqs.queue('emails')], sendEmail, { concurrency: 8 });
 *   await worker.close();
 */
export function processAll<T>(
  queues: readonly Queue<T, never>[],
  handler: Handler<T>,
  options: WorkerOptions = {},
): WorkerGroup<T> {
  if (queues.length === 0) throw new ConfigError('processAll needs at least one queue');
  const workers: Worker<T>[] = [];
  try {
    for (const queue of queues) workers.push(queue.process(handler, options));
  } catch (error) {
    // One queue refused (a closed broker, a bad option): no half-started group left running.
    for (const worker of workers) void worker.close();
    throw error;
  }
  return new WorkerGroup(workers);
}
