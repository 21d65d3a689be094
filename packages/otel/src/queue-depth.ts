import {
  type Attributes,
  type BatchObservableCallback,
  type BatchObservableResult,
  diag,
  type Meter,
  type ObservableGauge,
} from '@opentelemetry/api';
import {
  type Broker,
  ErrorCode,
  PolyqueueError,
  type Queue,
  type QueueStats,
  type StatsField,
} from '@polyqueue/core';
import { untilAborted } from '@polyqueue/core/driver';
import { Attr } from './instrumentation.js';
import { messagingSystem } from './systems.js';

/** One observable gauge per `QueueStats` count (docs/observability.md). */
export const QUEUE_DEPTH_GAUGES: Readonly<Record<StatsField, { name: string; description: string }>> = {
  ready: { name: 'polyqueue.queue.ready', description: 'Jobs deliverable now.' },
  delayed: {
    name: 'polyqueue.queue.delayed',
    description: 'Jobs waiting for a delay or a retry backoff to pass.',
  },
  inFlight: { name: 'polyqueue.queue.in_flight', description: 'Jobs delivered and not yet settled.' },
  deadLettered: {
    name: 'polyqueue.queue.dead_lettered',
    description: "Jobs in the queue's dead-letter queue.",
  },
};

// biome-ignore lint/suspicious/noExplicitAny: any queue, whatever its payload types
type AnyQueue = Queue<any, any>;

export interface QueueDepthOptions {
  /** The queues to observe, by name or as Queue (pass the Queue when it has a custom `deadLetterQueue`). */
  readonly queues: readonly (string | AnyQueue)[];
  /**
   * A collection waits at most this long (on the broker's clock) for a queue's stats, then
   * observes nothing for it. Default 2 000.
   */
  readonly timeoutMs?: number;
  /** Stats younger than this are observed again without asking the broker. Default 5 000. */
  readonly cacheMs?: number;
  /** Where a failed or timed-out stats read goes; default `diag.error` (OpenTelemetry's own log). */
  readonly onError?: (error: Error, queue: string) => void;
}

interface Cached {
  at: number;
  stats: QueueStats | undefined;
  pending: Promise<QueueStats | undefined> | undefined;
}

/**
 * Queue depth as observable gauges, fed from `queue.stats()` when the meter collects (each read
 * costs broker round trips, so only for the queues named, and never more often than `cacheMs`).
 * A collection never throws into the SDK and never waits past `timeoutMs`: a queue whose stats
 * fail or are late is not observed this time (never a made-up number; a cumulative reader repeats
 * the last value, the SDK's choice), and the error goes to `onError`. Counts the broker cannot tell (`undefined`) are not observed; a broker
 * that can tell none (`capabilities.stats` empty) gets no gauge at all.
 */
export class QueueDepthGauges {
  readonly #meter: Meter;
  readonly #broker: Broker;
  readonly #queues: readonly { queue: AnyQueue; attributes: Attributes }[];
  readonly #gauges: readonly [StatsField, ObservableGauge][];
  readonly #timeoutMs: number;
  readonly #cacheMs: number;
  readonly #onError: (error: Error, queue: string) => void;
  readonly #cache = new Map<AnyQueue, Cached>();
  readonly #callback: BatchObservableCallback = (result) => this.#collect(result);

  constructor(meter: Meter, broker: Broker, options: QueueDepthOptions) {
    this.#meter = meter;
    this.#broker = broker;
    const system = messagingSystem(broker.adapter);
    this.#queues = options.queues.map((queue) => {
      const q = typeof queue === 'string' ? broker.queue(queue) : queue;
      return { queue: q, attributes: { [Attr.system]: system, [Attr.destination]: q.name } };
    });
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    this.#cacheMs = options.cacheMs ?? 5_000;
    this.#onError =
      options.onError ??
      ((error, queue) => diag.error(`@polyqueue/otel: no depth for queue "${queue}": ${error.message}`));
    this.#gauges = broker.capabilities.stats.map((field) => {
      const { name, description } = QUEUE_DEPTH_GAUGES[field];
      return [field, meter.createObservableGauge(name, { unit: '{message}', description })] as const;
    });
    if (this.#gauges.length > 0 && this.#queues.length > 0) {
      meter.addBatchObservableCallback(
        this.#callback,
        this.#gauges.map(([, gauge]) => gauge),
      );
    }
  }

  /** Stops observing (also done at the first collection after the broker closed). */
  stop(): void {
    this.#meter.removeBatchObservableCallback(
      this.#callback,
      this.#gauges.map(([, gauge]) => gauge),
    );
  }

  async #collect(result: BatchObservableResult): Promise<void> {
    if (this.#broker.closed) return this.stop();
    await Promise.all(
      this.#queues.map(async ({ queue, attributes }) => {
        const stats = await this.#read(queue);
        if (stats === undefined) return;
        for (const [field, gauge] of this.#gauges) {
          const value = stats[field];
          if (value !== undefined) result.observe(gauge, value, attributes);
        }
      }),
    );
  }

  /** The queue's stats, fresh or cached; undefined when they failed or are late (reported). */
  async #read(queue: AnyQueue): Promise<QueueStats | undefined> {
    const now = this.#broker.clock.now();
    let cached = this.#cache.get(queue);
    if (cached?.stats !== undefined && now - cached.at < this.#cacheMs) return cached.stats;
    if (cached?.pending === undefined) {
      // One read per queue at a time: a broker slower than the collections is not asked more.
      const entry: Cached = cached ?? { at: now, stats: undefined, pending: undefined };
      entry.pending = queue.stats().then(
        (stats) => {
          entry.at = this.#broker.clock.now();
          entry.stats = stats;
          entry.pending = undefined;
          return stats;
        },
        (error: unknown) => {
          entry.stats = undefined;
          entry.pending = undefined;
          if (!this.#broker.closed) this.#onError(asError(error), queue.name);
          return undefined;
        },
      );
      this.#cache.set(queue, entry);
      cached = entry;
    }
    const stats = await this.#within(cached.pending!);
    if (stats === undefined && cached.pending !== undefined) {
      this.#onError(
        new PolyqueueError(`stats() of queue "${queue.name}" took over ${this.#timeoutMs} ms`, {
          code: ErrorCode.DeadlineExceeded,
        }),
        queue.name,
      );
    }
    return stats;
  }

  /**
   * `pending`'s value, or undefined once `timeoutMs` passed on the broker's clock: the clock every
   * other bound of the broker runs on (a virtual one in tests), and the timer is cleared at once.
   */
  async #within<T>(pending: Promise<T>): Promise<T | undefined> {
    const { clock } = this.#broker;
    const late = new AbortController();
    const timer = clock.setTimeout(() => late.abort(), this.#timeoutMs);
    try {
      return await untilAborted(pending, late.signal);
    } finally {
      clock.clearTimeout(timer);
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
