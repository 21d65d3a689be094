import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Clock } from '../../clock/clock.js';
import type { BackgroundErrors } from './background-errors.js';
import { ErrorBackoff } from './error-backoff.js';
import { pause } from './sleep.js';

export interface BackgroundLoopOptions {
  readonly clock: Clock;
  readonly errors: BackgroundErrors;
  /** Reported with each failure: 'forward-pull', 'copy-exhausted', ... */
  readonly action: string;
  readonly queue?: string;
  /**
   * One round. Returns 'idle' when it found nothing (the loop then pauses `idleMs`), 'busy'
   * otherwise. Must return soon after `signal` aborts.
   */
  readonly step: (signal: AbortSignal) => Promise<'idle' | 'busy'>;
  /** Pause after an idle round; default 0, for steps that long-poll themselves. */
  readonly idleMs?: number;
  /** The backoff after a failed round; default {@link ErrorBackoff}'s. */
  readonly backoff?: { readonly firstMs?: number; readonly maxMs?: number };
}

/**
 * A loop no caller awaits: it runs `step` until stopped. Nobody could catch what it throws, so a
 * failed round is reported to the driver's background errors and followed by the error backoff
 * (reset by the next round that succeeds): the loop itself never ends on an error.
 */
export class BackgroundLoop {
  readonly #options: BackgroundLoopOptions;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  constructor(options: BackgroundLoopOptions) {
    this.#options = options;
  }

  /** Starts the loop; later calls do nothing. */
  start(): void {
    if (this.#stop.signal.aborted) return;
    this.#running ??= this.#run();
  }

  /** Aborts the loop and waits for the round in progress to return. Never rejects. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    const { clock, errors, action, queue, step, idleMs = 0 } = this.#options;
    const signal = this.#stop.signal;
    const backoff = new ErrorBackoff(clock, this.#options.backoff);
    while (!signal.aborted) {
      let result: 'idle' | 'busy';
      try {
        result = await step(signal);
        backoff.reset();
      } catch (error) {
        // A round that fails because the loop was stopped (an aborted long poll) is the stop
        // working, not a fault worth reporting.
        if (signal.aborted) break;
        errors.report(action, error, queue);
        await backoff.wait(signal);
        continue;
      }
      if (result === 'idle' && idleMs > 0) await pause(clock, idleMs, signal);
      // A step that answers from memory (an emulator's empty pull, a full buffer) would otherwise
      // spin on microtasks and starve timers and I/O: give the event loop one turn per round.
      else await yieldToEventLoop();
    }
  }
}
