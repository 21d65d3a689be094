import { Header } from '@polyqueue/core/driver';
import type { PubSubApi, PulledMessage } from './pubsub-client.js';
import { SettleBatcher } from './settle-batcher.js';
import { dueAt } from './wire.js';

/** Messages due within this are held in memory until due; later ones are parked on the broker. */
export const HOLD_WINDOW_MS = 30_000;
/** Held messages keep this much ack deadline beyond their due time, against a late timer. */
const HOLD_SLACK_S = 10;
/** Pub/Sub's longest ack deadline. */
const MAX_DEADLINE_S = 600;
/** At most this many messages held at once; beyond it the forwarder stops pulling for a while. */
const MAX_HELD = 10_000;
const PULL_BATCH = 100;

export interface DelayForwarderOptions {
  readonly api: PubSubApi;
  /** Subscription (and topic) of the delay path. */
  readonly delay: string;
  /** Topic due messages are published to: the queue's ready topic, never its work topic. */
  readonly target: string;
  /** Long-poll (real Pub/Sub) or poll every `pollIntervalMs` (an emulator). */
  readonly wait: boolean;
  readonly pollIntervalMs: number;
  /**
   * Errors of the background loop (`action` in kebab-case: 'pull-delayed', 'forward', ...); the
   * message concerned stays on the delay path. Must not throw.
   */
  readonly onError: (error: unknown, action: string) => void;
}

interface Held {
  readonly message: PulledMessage;
  readonly timer: NodeJS.Timeout;
}

/**
 * The delay path of one queue: Pub/Sub has no delayed delivery, so delayed jobs and retry
 * backoffs are published to `<queue>.delay` with a `pq-not-before` attribute, and this forwarder
 * moves each one to the queue's ready topic `<queue>.ready` when it is due (never to the queue's
 * own topic, whose other subscriptions would then see it again).
 *
 * - A message due within {@link HOLD_WINDOW_MS} is held: its ack deadline is pushed past its due
 *   time and a timer fires at the due time.
 * - A later one is parked on the broker: its ack deadline is set to come back a little before it is
 *   due (at most 600 s at a time), so long delays cost no memory and no client-side timers.
 * - When due: publish to the ready topic, then ack. A forwarder that dies in between loses nothing:
 *   the delay message comes back after its ack deadline and is forwarded again (at-least-once,
 *   with the same job id).
 *
 * Several forwarders (one per consuming process) share the delay subscription safely: Pub/Sub hands
 * each message to one of them at a time.
 */
export class DelayForwarder {
  readonly #options: DelayForwarderOptions;
  readonly #settle: SettleBatcher;
  readonly #held = new Map<string, Held>();
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(options: DelayForwarderOptions) {
    this.#options = options;
    this.#settle = new SettleBatcher(options.api, options.delay);
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * `graceful`: hand held messages back at once, so another forwarder takes them without waiting
   * for their deadlines. `abandon`: settle nothing, as if the process died.
   */
  async stop(mode: 'graceful' | 'abandon'): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    const held = [...this.#held.values()];
    this.#held.clear();
    for (const entry of held) clearTimeout(entry.timer);
    if (mode === 'graceful' && held.length > 0) {
      await Promise.all(held.map((entry) => this.#settle.modifyAckDeadline(entry.message.ackId, 0))).catch(
        (error) => this.#options.onError(error, 'hand-back-delayed'),
      );
    }
  }

  async #run(): Promise<void> {
    const { api, delay, wait, pollIntervalMs } = this.#options;
    const signal = this.#stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      const room = Math.min(PULL_BATCH, MAX_HELD - this.#held.size);
      if (room <= 0) {
        await pause(pollIntervalMs * 4, signal);
        continue;
      }
      let messages: PulledMessage[];
      try {
        messages = await api.pull(delay, room, { wait, signal });
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        this.#options.onError(error, 'pull-delayed');
        await pause(Math.min(5_000, 100 * 2 ** failures++), signal);
        continue;
      }
      for (const message of messages) this.#accept(message);
      if (messages.length === 0) await pause(pollIntervalMs, signal);
    }
  }

  #accept(message: PulledMessage): void {
    const remaining = dueAt(message.attributes) - Date.now();
    if (remaining > HOLD_WINDOW_MS) {
      // Comes back half a window before it is due, and is held from then on.
      const seconds = Math.min(MAX_DEADLINE_S, Math.floor((remaining - HOLD_WINDOW_MS / 2) / 1_000));
      this.#settle
        .modifyAckDeadline(message.ackId, seconds)
        .catch((error) => this.#options.onError(error, 'park-delayed'));
      return;
    }
    if (this.#held.has(message.messageId)) return; // a redelivery of one already held
    if (remaining > 0) {
      const seconds = Math.min(MAX_DEADLINE_S, Math.ceil(remaining / 1_000) + HOLD_SLACK_S);
      this.#settle
        .modifyAckDeadline(message.ackId, seconds)
        .catch((error) => this.#options.onError(error, 'hold-delayed'));
    }
    const timer = setTimeout(() => void this.#forward(message), Math.max(0, remaining));
    this.#held.set(message.messageId, { message, timer });
  }

  async #forward(message: PulledMessage): Promise<void> {
    if (!this.#held.delete(message.messageId) || this.#stop.signal.aborted) return;
    const { [Header.notBefore]: _due, ...attributes } = message.attributes;
    const orderingKey = attributes[Header.orderingKey];
    try {
      const [outcome] = await this.#options.api.publish(this.#options.target, [
        { data: message.data, attributes, ...(orderingKey !== undefined ? { orderingKey } : {}) },
      ]);
      if (!outcome?.ok) throw outcome?.error ?? new Error('publish returned no outcome');
    } catch (error) {
      // Not acked: it comes back after its ack deadline and is forwarded then.
      this.#options.onError(error, 'forward');
      return;
    }
    await this.#settle.ack(message.ackId).catch((error) => this.#options.onError(error, 'ack-forwarded'));
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
