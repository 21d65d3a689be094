import { EventEmitter } from 'node:events';
import type { DeadLetterRecord } from '../wire/job-meta.js';
import type { Job } from './job.js';
import type { Logger } from './logger.js';

export interface WorkerEvents<T> {
  /** The handler succeeded and the job was acked. */
  completed: [job: Job<T>, info: { durationMs: number }];
  /** An attempt failed (thrown error or timeout). A `retrying` or `dead-lettered` event follows. */
  failed: [job: Job<T>, error: Error];
  /** The job will be delivered again after `delayMs`. */
  retrying: [job: Job<T>, error: Error, info: { delayMs: number; nextAttempt: number }];
  /** The job was moved to the dead-letter queue. `job` is absent when it could not be decoded. */
  'dead-lettered': [job: Job<T> | undefined, record: DeadLetterRecord];
  /** A runtime error outside any handler: receiving, settling, extending a lease. */
  error: [error: Error];
  /** close() finished. */
  closed: [];
}

type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A typed emitter. Unlike a bare EventEmitter, an 'error' with no listener is logged rather than
 * thrown: a worker must not crash the process because a broker blipped, and must not hide it either.
 */
export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  readonly #emitter = new EventEmitter();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  on<K extends keyof E & string>(event: K, listener: Listener<E[K]>): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: Listener<E[K]>): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: Listener<E[K]>): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  protected hasListeners(event: keyof E & string): boolean {
    return this.#emitter.listenerCount(event) > 0;
  }

  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    if (event === 'error' && this.#emitter.listenerCount('error') === 0) {
      this.#logger.error('polyqueue worker error', args[0]);
      return;
    }
    if (this.#emitter.listenerCount(event) === 0) return;
    try {
      this.#emitter.emit(event, ...args);
    } catch (error) {
      // A throwing listener must not turn into a lost or double-settled job.
      this.#logger.error(`polyqueue "${event}" listener threw`, error);
    }
  }
}
