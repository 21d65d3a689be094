import type { Clock, TimerHandle } from '../clock/clock.js';
import { HandlerTimeoutError } from '../errors/handler-timeout-error.js';
import type { JobContext } from './job.js';

/**
 * The handler's context. Its AbortController is created only when a handler reads `signal` or a
 * timeout is armed: most handlers never look, and an AbortController per job is measurable at
 * hundreds of thousands of jobs per second.
 */
export class JobContextImpl implements JobContext {
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #timer: TimerHandle | undefined;
  #clock: Clock | undefined;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  /** Rejects with HandlerTimeoutError after `ms`, aborting the signal first. */
  startTimeout(clock: Clock, ms: number): Promise<never> {
    this.#clock = clock;
    return new Promise<never>((_, reject) => {
      this.#timer = clock.setTimeout(() => {
        const error = new HandlerTimeoutError(ms);
        this.abort(error);
        reject(error);
      }, ms);
    });
  }

  finish(): void {
    if (this.#timer !== undefined) this.#clock?.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
