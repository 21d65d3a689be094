import { randomUUID } from 'node:crypto';
import { Batcher, type Delivery, pause, type Receiver } from '@polyqueue/core/driver';
import { jobRow, type SqlJobRow } from './job-rows.js';
import type { QueueContext } from './queue-context.js';
import { SqlDelivery } from './sql-delivery.js';
import { toNumber } from './sql-executor.js';
import { ackJobs, FETCH, NEXT_DUE } from './statements.js';

/** Most deliveries one ack statement settles. */
export const ACK_BATCH = 500;

/**
 * One worker's receiver. `receive` fetches (one statement: lease up to `max` fetchable jobs under a
 * fresh token); with nothing fetchable, it sleeps until the queue's next due time (the earliest
 * run_at or lease end), a wake-up of the queue, its poll interval or the abort, whichever comes
 * first, and returns `[]` for the worker to ask again.
 */
export class SqlReceiver implements Receiver {
  readonly #queue: QueueContext;
  readonly #acquire: () => () => void;
  readonly #leaseMs: number;
  readonly #acks: Batcher<SqlJobRow>;
  #release: (() => void) | undefined;
  #state: 'new' | 'open' | 'closed' = 'new';
  /** Counts wake-ups, so that one arriving while a fetch runs is not slept through. */
  #wakeups = 0;
  #stopCounting: (() => void) | undefined;

  constructor(queue: QueueContext, acquire: () => () => void, leaseMs: number) {
    this.#queue = queue;
    this.#acquire = acquire;
    this.#leaseMs = leaseMs;
    this.#acks = new Batcher<SqlJobRow>({
      maxSize: ACK_BATCH,
      flushAll: async (rows) => {
        const params = rows.flatMap((row) => [row.seq, row.leaseToken]);
        const freed = await queue.run(ackJobs(rows.length), params);
        // A job of an ordering key left: the next of its key is fetchable now.
        if (freed.some((row) => typeof row.ordering_key === 'string')) await queue.notify();
      },
    });
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]> {
    if (this.#state === 'closed' || signal.aborted) return [];
    if (this.#state === 'new') {
      this.#state = 'open';
      this.#release = this.#acquire();
      this.#stopCounting = this.#countWakeups();
    }
    await this.#queue.ready();
    const seen = this.#wakeups;
    const token = randomUUID();
    const rows = await this.#queue.run(FETCH, [this.#queue.topology.name, this.#leaseMs, token, max]);
    if (rows.length > 0) {
      const jobs = rows.map((row) => jobRow(row, token));
      jobs.sort((a, b) => a.runAt - b.runAt || Number(a.seq) - Number(b.seq));
      return jobs.map((job) => new SqlDelivery(this.#queue, job, this.#acks));
    }
    if (this.#wakeups !== seen) return [];
    await this.#idle(signal, seen);
    return [];
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasOpen = this.#state === 'open';
    this.#state = 'closed';
    if (!wasOpen) return;
    this.#stopCounting?.();
    this.#release?.();
    await this.#acks.drain();
  }

  /** Sleeps until the next due time, a wake-up, the poll interval or the abort. */
  async #idle(signal: AbortSignal, seen: number): Promise<void> {
    const { pollMs } = this.#queue.settings;
    const [due] = await this.#queue.run(NEXT_DUE, [this.#queue.topology.name]);
    if (this.#wakeups !== seen) return;
    const now = toNumber(due?.now);
    const next = Math.min(...[due?.next_run, due?.next_lease].filter((v) => v != null).map(toNumber));
    // Due already yet not fetched: blocked behind its ordering key, or locked by another fetch.
    // A settlement that frees it wakes this queue; else the poll finds it.
    const waitMs = Number.isFinite(next) && next > now ? Math.min(next - now, pollMs) : pollMs;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([
        pause(this.#queue.clock, waitMs, stop.signal),
        this.#queue.wakeup.wait(stop.signal),
      ]);
    } finally {
      signal.removeEventListener('abort', onAbort);
      stop.abort();
    }
  }

  #countWakeups(): () => void {
    const stop = new AbortController();
    const loop = async () => {
      while (!stop.signal.aborted) {
        await this.#queue.wakeup.wait(stop.signal);
        this.#wakeups += 1;
      }
    };
    void loop();
    return () => stop.abort();
  }
}
