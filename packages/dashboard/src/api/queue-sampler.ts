import { type Broker, redactCredentials, STATS_FIELDS, UnsupportedFeatureError } from '@polyqueue/core';
import { untilAborted } from '@polyqueue/core/driver';
import type { Sample, Snapshot } from './wire.js';

const HISTORY_MS = 10 * 60_000;
/** A stats call that has not answered by then counts as failed; the next round asks again. */
const READ_TIMEOUT_MS = 10_000;
/** Queues read at once: a broker with hundreds of queues is not asked everything at once. */
const PARALLEL_READS = 8;
/** With no page asking for this long, the sampler stops asking the broker. */
const IDLE_STOP_MS = 60_000;
export const MAX_QUEUES = 500;

/**
 * Reads every queue's counts at most once per `refreshMs`, however many pages are open: pages
 * get the last snapshot, so the broker's load does not grow with viewers. Runs only while
 * someone looks (a request within IDLE_STOP_MS) and keeps the last minutes for the charts.
 */
export class QueueSampler {
  readonly #broker: Broker;
  readonly #configured: readonly string[];
  readonly #refreshMs: number;
  readonly #history = new Map<string, Sample[]>();
  readonly #errors = new Map<string, string>();
  #names: readonly string[] = [];
  #listError: string | undefined;
  /** The broker failed to list (unlike one that cannot list at all): it is unhealthy. */
  #listFailed = false;
  #health: Snapshot['health'] = { ok: undefined };
  #at: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #lastWanted = 0;
  #closed = false;

  constructor(broker: Broker, configured: readonly string[], refreshMs: number) {
    this.#broker = broker;
    this.#configured = configured;
    this.#refreshMs = refreshMs;
  }

  /** The latest snapshot; starts sampling (and waits for the first round) when it was stopped. */
  async snapshot(): Promise<Snapshot> {
    this.#lastWanted = Date.now();
    if (this.#closed) throw new Error('the dashboard is closed');
    if (this.#timer === undefined && this.#round === undefined) await this.#tick();
    else if (this.#at === undefined) await this.#round;
    const queues = this.#names.map((name) => {
      const history = this.#history.get(name) ?? [];
      const error = this.#errors.get(name);
      return { name, latest: history.at(-1), history, ...(error === undefined ? {} : { error }) };
    });
    return {
      at: this.#at,
      queues,
      health: this.#health,
      ...(this.#listError === undefined ? {} : { listError: this.#listError }),
    };
  }

  /** True for a queue of the last snapshot: one the broker lists, or one the options name. */
  async knows(name: string): Promise<boolean> {
    return (await this.snapshot()).queues.some((queue) => queue.name === name);
  }

  /** Reads now (after a redrive, a purge, a send) instead of at the next tick. */
  async refresh(): Promise<void> {
    await this.#round;
    if (!this.#closed) await this.#sample();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round;
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    this.#round = this.#sample();
    await this.#round;
    this.#round = undefined;
    if (this.#closed || Date.now() - this.#lastWanted > IDLE_STOP_MS) return;
    this.#timer = setTimeout(() => void this.#tick(), this.#refreshMs);
    // An open dashboard must not keep a process alive that is otherwise done.
    this.#timer.unref();
  }

  async #sample(): Promise<void> {
    const names = await this.#listNames();
    let failures = 0;
    let firstError: string | undefined;
    const read = async (name: string) => {
      const error = await this.#read(name);
      if (error !== undefined) {
        failures++;
        firstError ??= error;
      }
    };
    for (let i = 0; i < names.length; i += PARALLEL_READS)
      await Promise.all(names.slice(i, i + PARALLEL_READS).map(read));
    for (const name of this.#history.keys()) if (!names.includes(name)) this.#history.delete(name);
    this.#names = names;
    this.#at = Date.now();
    const listFailed = this.#listFailed;
    const ok = !listFailed && (names.length === 0 || failures < names.length);
    const error = ok ? undefined : listFailed ? this.#listError : firstError;
    this.#health = { ok, checkedAt: this.#at, ...(error === undefined ? {} : { error }) };
  }

  async #listNames(): Promise<string[]> {
    const names = new Set(this.#configured);
    this.#listError = undefined;
    this.#listFailed = false;
    if (this.#broker.capabilities.listQueues) {
      try {
        const listed = await untilAborted(this.#broker.queues(), AbortSignal.timeout(READ_TIMEOUT_MS));
        if (listed === undefined) throw new Error(`listing queues did not answer in ${READ_TIMEOUT_MS} ms`);
        for (const name of listed) names.add(name);
      } catch (error) {
        this.#listError = message(error);
        this.#listFailed = !(error instanceof UnsupportedFeatureError);
      }
    } else {
      this.#listError = `the ${this.#broker.adapter} broker cannot list its queues: name them (--queue)`;
    }
    return [...names].sort().slice(0, MAX_QUEUES);
  }

  /** Reads one queue; returns why it failed, or undefined. */
  async #read(name: string): Promise<string | undefined> {
    try {
      const stats = await untilAborted(
        this.#broker.queue(name).stats(),
        AbortSignal.timeout(READ_TIMEOUT_MS),
      );
      if (stats === undefined) throw new Error(`reading stats did not answer in ${READ_TIMEOUT_MS} ms`);
      const at = Date.now();
      const sample = { at, ...Object.fromEntries(STATS_FIELDS.map((f) => [f, stats[f] ?? null])) } as Sample;
      const history = this.#history.get(name) ?? [];
      history.push(sample);
      while (history.length > 0 && history[0]!.at < at - HISTORY_MS) history.shift();
      this.#history.set(name, history);
      this.#errors.delete(name);
      return undefined;
    } catch (error) {
      const text = message(error);
      this.#errors.set(name, text);
      return text;
    }
  }
}

function message(error: unknown): string {
  return redactCredentials(error instanceof Error ? error.message : String(error));
}
