import type { Delivery, Receiver } from '@polyqueue/core/driver';
import { ABORTED, untilAborted } from './abortable.js';
import type { PullBatch, ReceivedMessage } from './nats-client.js';
import { NatsDelivery } from './nats-delivery.js';
import { WORKER_CONSUMER } from './nats-names.js';
import type { QueueContext } from './queue-context.js';

/** How long one pull request waits on the server for messages before it is renewed. */
export const PULL_EXPIRES_MS = 5_000;

/** Lets the driver run a queue's forwarder and safety net while a receiver of it is open. */
export interface ReceiverHooks {
  opened(queue: QueueContext): void;
  closed(queue: QueueContext): void;
}

/**
 * A worker's receiver on the queue's shared durable pull consumer.
 *
 * One pull request is open at a time, for at most the room the worker asked for. Messages are
 * handed out as they arrive; the rest of the request stays open across `receive` calls. So what
 * the server has delivered to this worker and not yet seen settled never exceeds `maxUnsettled`:
 * at the pull, the request is exactly the worker's free room, and every message then moves from
 * the request to the worker's hands.
 *
 * After a reconnect the open request died with the server's memory of it: it is dropped and a
 * new one is made, so workers resume by themselves.
 */
export class NatsReceiver implements Receiver {
  readonly #queue: QueueContext;
  readonly #hooks: ReceiverHooks;
  #batch: PullBatch | undefined;
  /** A `next()` an aborted receive left waiting: its message belongs to the next receive. */
  #waiting: Promise<ReceivedMessage | undefined> | undefined;
  #state: 'new' | 'open' | 'closed' = 'new';
  #stopWatching: (() => void) | undefined;

  constructor(queue: QueueContext, hooks: ReceiverHooks) {
    this.#queue = queue;
    this.#hooks = hooks;
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]> {
    if (this.#state === 'closed') return [];
    if (this.#state === 'new') this.#open();
    const out: Delivery[] = [];
    while (out.length === 0) {
      if (signal.aborted || this.#state !== 'open') return out;
      const batch = await this.#currentBatch(max);
      let message: ReceivedMessage | undefined | typeof ABORTED;
      try {
        this.#waiting ??= batch.next();
        message = await untilAborted(this.#waiting, signal);
      } catch (error) {
        this.#dropBatch();
        throw error;
      }
      if (message === ABORTED) return out;
      this.#waiting = undefined;
      if (message === undefined) {
        // The pull ended (filled or expired): the next round makes a new one.
        if (this.#batch === batch) this.#batch = undefined;
        continue;
      }
      out.push(new NatsDelivery(this.#queue, message));
      // Take what already arrived in the same burst without another round trip.
      while (out.length < max && batch.buffered() > 0) {
        const more = await batch.next();
        if (more === undefined) break;
        out.push(new NatsDelivery(this.#queue, more));
      }
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.#state !== 'open') {
      this.#state = 'closed';
      return;
    }
    this.#state = 'closed';
    this.#stopWatching?.();
    const leftovers = await this.#stopBatch();
    this.#hooks.closed(this.#queue);
    // Arrived after the worker's last receive: unstarted, so handed back without costing an attempt.
    await Promise.allSettled(leftovers.map((message) => new NatsDelivery(this.#queue, message).release()));
  }

  #open(): void {
    this.#state = 'open';
    this.#hooks.opened(this.#queue);
    this.#stopWatching = this.#queue.client.onReconnect(() => this.#dropBatch());
  }

  async #currentBatch(max: number): Promise<PullBatch> {
    if (this.#batch === undefined) {
      this.#waiting = undefined;
      this.#batch = await this.#queue.client.pull(this.#queue.names.stream, WORKER_CONSUMER, {
        maxMessages: max,
        expiresMs: PULL_EXPIRES_MS,
      });
    }
    return this.#batch;
  }

  /** Forget the open pull; a pending `next()` then ends and the next round makes a new pull. */
  #dropBatch(): void {
    this.#batch?.stop();
    this.#batch = undefined;
    this.#waiting = undefined;
  }

  /** Ends the open pull and returns what arrived but was never handed out. */
  async #stopBatch(): Promise<ReceivedMessage[]> {
    const batch = this.#batch;
    const waiting = this.#waiting;
    this.#batch = undefined;
    this.#waiting = undefined;
    if (batch === undefined) return [];
    const leftovers: ReceivedMessage[] = [];
    batch.stop();
    try {
      // The interrupted next() resolves first; the stop itself comes after what was buffered.
      let message = waiting ? await waiting : await batch.next();
      while (message !== undefined) {
        leftovers.push(message);
        message = await batch.next();
      }
    } catch {
      // A failed pull holds nothing more to hand back.
    }
    return leftovers;
  }
}
