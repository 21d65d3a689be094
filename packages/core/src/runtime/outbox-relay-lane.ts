import type { Clock } from '../clock/clock.js';
import { ErrorBackoff } from '../driver/kit/error-backoff.js';
import { ClosedError } from '../errors/closed-error.js';
import { toError } from '../errors/to-error.js';
import { moveJobs } from './move.js';
import type { MovedJob } from './move-options.js';
import type { Queue } from './queue.js';

/** What one relayed batch tells: emitted as the relay's 'batch' event. */
export interface RelayBatch {
  readonly queue: string;
  /** Jobs in this batch: on the target, confirmed, and acked on the outbox. */
  readonly count: number;
  /** Jobs relayed on this queue since the relay started. */
  readonly relayed: number;
  /** Now − enqueuedAt of the newest job of the batch: how far behind the relay runs. */
  readonly lagMs: number;
  /** Now − enqueuedAt of the oldest job of the batch: the longest a job of it waited. */
  readonly maxLagMs: number;
}

/** The relay's own figures for one queue (`OutboxRelay.stats()` adds the outbox's stats). */
export interface RelayLaneFigures {
  readonly relayed: number;
  /** `lagMs` of the last batch; undefined before the first. */
  readonly lagMs: number | undefined;
  /** When the last batch was relayed (epoch ms); undefined before the first. */
  readonly lastRelayedAt: number | undefined;
  /** Failed runs of the move since the relay started (each reported, then retried after a backoff). */
  readonly failures: number;
}

export interface RelayLaneSettings {
  readonly name: string;
  readonly source: Queue<unknown, never>;
  readonly target: Queue<unknown, never>;
  readonly clock: Clock;
  readonly ratePerSecond?: number;
  readonly backoff?: { readonly firstMs?: number; readonly maxMs?: number };
  readonly onBatch: (batch: RelayBatch) => void;
  readonly onError: (error: Error, queue: string) => void;
}

/**
 * One queue of the outbox, relayed for as long as the relay runs: `moveJobs` in follow mode
 * (never drained: it waits on the source receiver's own long poll), run again after any failure
 * once the kit's ErrorBackoff step has passed. A batch relayed resets the backoff. The move keeps
 * at-least-once by itself (confirmed on the target, then acked on the outbox; what the target
 * refused is released), so a failure loses nothing: it is reported and the loop goes on.
 */
export class RelayLane {
  readonly name: string;
  readonly #settings: RelayLaneSettings;
  #relayed = 0;
  #lagMs: number | undefined;
  #lastRelayedAt: number | undefined;
  #failures = 0;

  constructor(settings: RelayLaneSettings) {
    this.name = settings.name;
    this.#settings = settings;
  }

  get figures(): RelayLaneFigures {
    return {
      relayed: this.#relayed,
      lagMs: this.#lagMs,
      lastRelayedAt: this.#lastRelayedAt,
      failures: this.#failures,
    };
  }

  /** Relays until `signal` aborts; then what the move holds is handed back and it resolves. */
  async run(signal: AbortSignal): Promise<void> {
    const { source, target, clock, ratePerSecond } = this.#settings;
    const backoff = new ErrorBackoff(clock, this.#settings.backoff);
    while (!signal.aborted) {
      try {
        await moveJobs(source, target, {
          idleMs: Number.POSITIVE_INFINITY,
          signal,
          ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
          onProgress: (_, batch) => {
            backoff.reset();
            this.#relayedBatch(batch);
          },
        });
      } catch (thrown) {
        this.#failures++;
        const error = toError(thrown);
        this.#settings.onError(error, this.name);
        // A broker closed under the relay will not come back: retrying would only repeat this.
        if (error instanceof ClosedError) return;
        await backoff.wait(signal);
      }
    }
  }

  #relayedBatch(batch: readonly MovedJob[]): void {
    const now = this.#settings.clock.now();
    let newest = Number.NEGATIVE_INFINITY;
    let oldest = Number.POSITIVE_INFINITY;
    for (const job of batch) {
      newest = Math.max(newest, job.enqueuedAt);
      oldest = Math.min(oldest, job.enqueuedAt);
    }
    this.#relayed += batch.length;
    // A clock skew between producer and relay must not show as a negative lag.
    this.#lagMs = Math.max(0, now - newest);
    this.#lastRelayedAt = now;
    this.#settings.onBatch({
      queue: this.name,
      count: batch.length,
      relayed: this.#relayed,
      lagMs: this.#lagMs,
      maxLagMs: Math.max(0, now - oldest),
    });
  }
}
