import { pause } from '../driver/kit/sleep.js';
import type { QueueStats } from '../driver/queue-stats.js';
import { ConfigError } from '../errors/config-error.js';
import type { Broker } from './broker.js';
import { connect } from './connect.js';
import type { QueueOptions } from './options.js';
import { type RelayBatch, RelayLane, type RelayLaneFigures } from './outbox-relay-lane.js';

export type { RelayBatch } from './outbox-relay-lane.js';

export interface OutboxRelayOptions {
  /** The outbox: a broker, or a URL the relay connects to (and closes with itself). */
  readonly from: Broker | string;
  /** Where its jobs go: a broker, or a URL the relay connects to (and closes with itself). */
  readonly to: Broker | string;
  /**
   * The queues relayed, each to the queue of the same name on `to`. 'all' (the default): those
   * `from.queues()` lists at creation; a queue created later needs a new relay.
   */
  readonly queues?: readonly string[] | 'all';
  /** Options of the queues on both sides (their lease, attempts and dead-letter queue). */
  readonly queueOptions?: Pick<QueueOptions, 'leaseMs' | 'maxAttempts' | 'deadLetterQueue'>;
  /** At most this many jobs a second per queue (default: as fast as both brokers go). */
  readonly ratePerSecond?: number;
  /** The wait after a failure before the move runs again (default: 250 ms doubling to 8 s). */
  readonly backoff?: { readonly firstMs?: number; readonly maxMs?: number };
}

/** `OutboxRelay.stats()` for one queue: the relay's figures and the outbox queue's own stats. */
export type RelayQueueStats = RelayLaneFigures & QueueStats;

export type RelayErrorListener = (error: Error, info: { readonly queue: string }) => void;
export type RelayBatchListener = (batch: RelayBatch) => void;

/**
 * Creates and starts an outbox relay: each outbox queue's committed jobs are forwarded to `to`,
 * confirmed there (the job id as dedup id where `to` deduplicates), then acked on the outbox.
 * Runs until `close()`; a failure is reported (the outbox broker's 'error' event and logger, and
 * the relay's own 'error' event), then retried after a backoff, never thrown. Several relays on
 * one outbox are safe: each job is leased by one of them at a time. See docs/outbox.md.
 *
 * Rejects (closing what it connected) when a URL cannot be connected, `queues: 'all'` cannot be
 * listed, or the options are invalid.
 */
export async function createOutboxRelay(options: OutboxRelayOptions): Promise<OutboxRelay> {
  const rate = options.ratePerSecond;
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0))
    throw new ConfigError(`ratePerSecond must be a number > 0, got ${rate}`);
  if (options.from === options.to)
    throw new ConfigError('an outbox relay needs two brokers: `from` and `to` are the same');
  const owned: Broker[] = [];
  try {
    const from = typeof options.from === 'string' ? await connect(options.from) : options.from;
    if (from !== options.from) owned.push(from);
    const to = typeof options.to === 'string' ? await connect(options.to) : options.to;
    if (to !== options.to) owned.push(to);
    const names =
      options.queues === undefined || options.queues === 'all' ? await from.queues() : options.queues;
    if (names.length === 0)
      throw new ConfigError('an outbox relay needs at least one queue; none given or listed');
    return new OutboxRelay(from, to, names, options, owned);
  } catch (error) {
    await Promise.all(owned.map((broker) => broker.close()));
    throw error;
  }
}

/** A running relay. `close()` stops it gracefully. */
export class OutboxRelay {
  readonly #from: Broker;
  readonly #owned: readonly Broker[];
  readonly #lanes: readonly RelayLane[];
  readonly #stop = new AbortController();
  readonly #running: Promise<void>;
  readonly #errorListeners = new Set<RelayErrorListener>();
  readonly #batchListeners = new Set<RelayBatchListener>();
  #closing: Promise<void> | undefined;

  /** @internal Use `createOutboxRelay()`. */
  constructor(
    from: Broker,
    to: Broker,
    names: readonly string[],
    options: OutboxRelayOptions,
    owned: readonly Broker[],
  ) {
    this.#from = from;
    this.#owned = owned;
    this.#lanes = names.map(
      (name) =>
        new RelayLane({
          name,
          source: from.queue(name, options.queueOptions),
          target: to.queue(name, options.queueOptions),
          clock: from.clock,
          ...(options.ratePerSecond === undefined ? {} : { ratePerSecond: options.ratePerSecond }),
          ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
          onBatch: (batch) => this.#emitBatch(batch),
          onError: (error, queue) => this.#emitError(error, queue),
        }),
    );
    this.#running = Promise.all(this.#lanes.map((lane) => lane.run(this.#stop.signal))).then(() => undefined);
  }

  /** The queues relayed. */
  get queues(): string[] {
    return this.#lanes.map((lane) => lane.name);
  }

  /** A failure of a queue's relaying, already logged; the relay retries it after a backoff. */
  on(event: 'error', listener: RelayErrorListener): this;
  /** A batch relayed: its size, the running total and the lag. */
  on(event: 'batch', listener: RelayBatchListener): this;
  on(event: 'error' | 'batch', listener: RelayErrorListener | RelayBatchListener): this {
    if (event === 'error') this.#errorListeners.add(listener as RelayErrorListener);
    else if (event === 'batch') this.#batchListeners.add(listener as RelayBatchListener);
    else throw new ConfigError(`OutboxRelay has no "${String(event)}" event`);
    return this;
  }

  off(event: 'error' | 'batch', listener: RelayErrorListener | RelayBatchListener): this {
    if (event === 'error') this.#errorListeners.delete(listener as RelayErrorListener);
    else this.#batchListeners.delete(listener as RelayBatchListener);
    return this;
  }

  /** Per queue: jobs relayed, the lag at the last batch, failures, and the outbox queue's stats. */
  async stats(): Promise<Record<string, RelayQueueStats>> {
    const entries = await Promise.all(
      this.#lanes.map(async (lane) => {
        const outbox = await this.#from.queue(lane.name).stats();
        return [lane.name, { ...lane.figures, ...outbox }] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  /**
   * Stops receiving; batches under way finish (confirmed, then acked on the outbox) and what the
   * relay still holds is handed back to the outbox. Waits at most `timeoutMs` (default 30 s) for
   * that; past it, the brokers the relay connected are closed anyway (their held jobs come back
   * when the connection drops or their lease expires). Idempotent.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= (async () => {
      const timeoutMs = options.timeoutMs ?? 30_000;
      this.#stop.abort();
      const timer = new AbortController();
      const timedOut = pause(this.#from.clock, timeoutMs, timer.signal).then(() => true);
      const timedOutFirst = await Promise.race([this.#running.then(() => false), timedOut]);
      timer.abort();
      if (timedOutFirst) {
        const error = new Error(
          `outbox relay: close timed out after ${timeoutMs} ms; held jobs return by lease`,
        );
        this.#emitError(error, '');
      }
      await Promise.all(this.#owned.map((broker) => broker.close({ timeoutMs })));
    })();
    return this.#closing;
  }

  #emitBatch(batch: RelayBatch): void {
    for (const listener of [...this.#batchListeners]) {
      try {
        listener(batch);
      } catch (thrown) {
        this.#from.reportError('relay batch listener', batch.queue, thrown);
      }
    }
  }

  #emitError(error: Error, queue: string): void {
    this.#from.reportError('relay', queue === '' ? undefined : queue, error);
    for (const listener of [...this.#errorListeners]) {
      try {
        listener(error, { queue });
      } catch (thrown) {
        this.#from.reportError('relay error listener', queue === '' ? undefined : queue, thrown);
      }
    }
  }
}
