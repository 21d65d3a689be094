import type { Clock } from '../clock/clock.js';
import { systemClock } from '../clock/system-clock.js';
import { ConfigError } from '../errors/config-error.js';
import { decodeHeaders } from '../wire/headers.js';
import { MemoryDriver } from './memory-driver.js';
import { type MemoryMessage, type RawMessage, toRaw } from './memory-message.js';
import { MemoryQueue } from './memory-queue.js';
import type { MemoryQueues } from './memory-queues.js';

export type { RawMessage } from './memory-message.js';

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
export const DEFAULT_DEDUP_WINDOW_MS = 5 * 60_000;

export interface MemoryServerOptions {
  /** Default: wall clock. Pass a VirtualClock to run days of schedule in milliseconds. */
  readonly clock?: Clock;
  /** Default 1 MiB, like SQS and NATS, so size bugs show up in tests, not in production. */
  readonly maxMessageBytes?: number;
  /** Longest single delay wait; longer delays hop. Default unlimited. Conformance shrinks it. */
  readonly maxNativeDelayMs?: number;
  /** Default 5 minutes. */
  readonly dedupWindowMs?: number;
  /** Keep a log of every message sent, per queue, for test assertions. Default false. */
  readonly recordSends?: boolean;
}

/**
 * The in-memory "broker": the queues themselves. Several drivers (connections) can share one
 * server, which is what lets a test run a producer, two workers and a crashing consumer against
 * the same queues.
 */
export class MemoryServer implements MemoryQueues {
  readonly clock: Clock;
  readonly maxMessageBytes: number;
  readonly maxNativeDelayMs: number;
  readonly dedupWindowMs: number;
  readonly #queues = new Map<string, MemoryQueue>();
  /** Provisioned as work queues (the others are dead-letter queues or raw-published ones). */
  readonly #workQueues = new Set<string>();
  readonly #sent: Map<string, MemoryMessage[]> | undefined;
  #version = 0;
  #nativeIds = 0;

  constructor(options: MemoryServerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxNativeDelayMs = options.maxNativeDelayMs ?? Number.POSITIVE_INFINITY;
    // A hop of zero (or less) never moves a delayed job forward: reject it where it is set.
    if (!(this.maxNativeDelayMs >= 1)) {
      throw new ConfigError(`maxNativeDelayMs must be >= 1 ms, got ${options.maxNativeDelayMs}`);
    }
    this.dedupWindowMs = options.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS;
    this.#sent = options.recordSends ? new Map() : undefined;
  }

  /** A new connection to this server. */
  connect(): MemoryDriver<MemoryServer> {
    return new MemoryDriver(this);
  }

  get recordsSends(): boolean {
    return this.#sent !== undefined;
  }

  /** Increases on every state change; lets "run until idle" tell progress from a standstill. */
  get version(): number {
    return this.#version;
  }

  queue(name: string): MemoryQueue | undefined {
    return this.#queues.get(name);
  }

  queueNames(): string[] {
    return [...this.#queues.keys()];
  }

  markWorkQueue(name: string): void {
    this.#workQueues.add(name);
  }

  workQueueNames(): string[] {
    return [...this.#workQueues];
  }

  /** Creates the queue if needed (idempotent). */
  create(name: string): MemoryQueue {
    let queue = this.#queues.get(name);
    if (queue === undefined) {
      queue = new MemoryQueue(
        name,
        this.clock,
        { maxNativeDelayMs: this.maxNativeDelayMs, dedupWindowMs: this.dedupWindowMs },
        () => {
          this.#version++;
        },
      );
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /** @internal Records a send for the test helpers. */
  recordSend(queue: string, message: MemoryMessage): void {
    if (this.#sent === undefined) return;
    let log = this.#sent.get(queue);
    if (log === undefined) {
      log = [];
      this.#sent.set(queue, log);
    }
    log.push(message);
  }

  /** Every message sent to `queue` so far (only with `recordSends`). */
  sentTo(queue: string): readonly MemoryMessage[] {
    return this.#sent?.get(queue) ?? [];
  }

  /** Publishes as a plain native producer would: body and headers, no polyqueue SDK. */
  publishRaw(queueName: string, raw: RawMessage): void {
    const { meta, attributes, deadLetter } = decodeHeaders(raw.headers);
    const message: MemoryMessage = {
      body: raw.body,
      attributes,
      meta: { ...meta, id: meta.id ?? `memory-${++this.#nativeIds}` },
      deliveryCount: 0,
      dueAt: 0,
      ...(deadLetter ? { deadLetter } : {}),
    };
    this.create(queueName).enqueue(message);
  }

  /** Removes up to `limit` messages as a plain native consumer would, in the header form. */
  consumeRaw(queueName: string, limit = Number.POSITIVE_INFINITY): RawMessage[] {
    const queue = this.#queues.get(queueName);
    if (!queue) return [];
    return queue.takeStored(limit).map(toRaw);
  }

  /** Messages ready, delayed or in flight on queues that have at least one open receiver. */
  pendingWork(): number {
    let pending = 0;
    for (const queue of this.#queues.values()) {
      const { ready, delayed, inFlight } = queue.counts();
      pending += inFlight;
      if (queue.receivers > 0) pending += ready + delayed;
    }
    return pending;
  }
}
