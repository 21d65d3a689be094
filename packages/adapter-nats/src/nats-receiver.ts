import { type Delivery, type Receiver, type ReceiverOptions, untilAborted } from '@polyqueue/core/driver';
import type { PullBatch, ReceivedMessage } from './nats-client.js';
import { NatsDelivery } from './nats-delivery.js';
import { WORKER_CONSUMER } from './nats-names.js';
import type { QueueContext } from './queue-context.js';

/** How long one pull request waits on the server for messages before it is renewed. */
export const PULL_EXPIRES_MS = 5_000;
/** Open pull requests per receiver at most: each costs a subscription on the client and the server. */
export const MAX_OPEN_PULLS = 8;

/** An open pull and the `next()` a receive left waiting on it (its message is a later receive's). */
interface OpenPull {
  readonly batch: PullBatch;
  waiting: Promise<Taken> | undefined;
}

interface Taken {
  readonly pull: OpenPull;
  readonly message: ReceivedMessage | undefined;
}

/**
 * A worker's receiver on the queue's shared durable pull consumer.
 *
 * Pull requests overlap, so that handlers never wait a round trip between batches: when the
 * worker's free room (`max`) exceeds what the open pulls may still bring, another pull is made
 * for exactly that difference, while earlier ones are still being filled. When to ask is the
 * worker's decision (its refill point, driver SPI `ReceiveBatching`): a pull costs one small
 * request and brings any number of messages, so the receiver states no preference of its own. The server spreads messages over the open pulls (it cycles its waiting requests),
 * so a receive takes from whichever pull has something, not only from the oldest: waiting on
 * the oldest alone would leave the others' messages idle, and near the end of a backlog leave
 * them stranded until the oldest expired.
 *
 * The bound: at every pull, what the open pulls hold or may still bring is at most the worker's
 * free room; each message then moves from a pull to the worker's hands, so what the server has
 * delivered to this worker and not yet seen settled never exceeds `maxUnsettled`.
 *
 * After a reconnect the open requests died with the server's memory of them: they are dropped
 * and new ones are made, so workers resume by themselves.
 */
export class NatsReceiver implements Receiver {
  readonly #queue: QueueContext;
  /** Starts the queue's background services (forwarder, copier); returns their release. */
  readonly #acquire: () => () => void;
  #release: (() => void) | undefined;
  /** Open pulls, oldest first. */
  #pulls: OpenPull[] = [];
  #state: 'new' | 'open' | 'closed' = 'new';
  #stopWatching: (() => void) | undefined;

  constructor(queue: QueueContext, acquire: () => () => void, _options?: ReceiverOptions) {
    this.#queue = queue;
    this.#acquire = acquire;
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]> {
    if (this.#state === 'closed') return [];
    if (this.#state === 'new') this.#open();
    const out: Delivery[] = [];
    while (out.length === 0) {
      if (signal.aborted || this.#state !== 'open') return out;
      await this.#topUp(max);
      // What already arrived goes out without waiting on anything.
      this.#takeArrived(out, max);
      if (out.length > 0 || this.#pulls.length === 0) continue;
      let taken: Taken | undefined;
      try {
        taken = await untilAborted(Promise.race(this.#pulls.map(waitOn)), signal);
      } catch (error) {
        this.#dropPulls();
        throw error;
      }
      if (taken === undefined) return out;
      const { pull, message } = taken;
      pull.waiting = undefined;
      if (message === undefined) {
        // The pull ended (filled or expired): the others, or a new one, take over.
        this.#pulls = this.#pulls.filter((open) => open !== pull);
        continue;
      }
      out.push(new NatsDelivery(this.#queue, message));
      this.#takeArrived(out, max);
    }
    return out;
  }

  /** Takes what already arrived, on any pull no `next()` waits on, up to `max` in all. */
  #takeArrived(out: Delivery[], max: number): void {
    for (const open of this.#pulls) {
      if (open.waiting !== undefined) continue;
      for (let more = out.length < max ? open.batch.take() : undefined; more !== undefined; ) {
        out.push(new NatsDelivery(this.#queue, more));
        more = out.length < max ? open.batch.take() : undefined;
      }
    }
  }

  async close(): Promise<void> {
    if (this.#state !== 'open') {
      this.#state = 'closed';
      return;
    }
    this.#state = 'closed';
    this.#stopWatching?.();
    const leftovers = await this.#stopPulls();
    this.#release?.();
    // Arrived after the worker's last receive: unstarted, so handed back without costing an attempt.
    // One that fails stays unacked and comes back after AckWait (an attempt lost, never a job).
    const released = await Promise.allSettled(
      leftovers.map((message) => new NatsDelivery(this.#queue, message).release()),
    );
    for (const outcome of released)
      if (outcome.status === 'rejected') this.#queue.report('release', outcome.reason);
  }

  #open(): void {
    this.#state = 'open';
    this.#release = this.#acquire();
    this.#stopWatching = this.#queue.client.onReconnect(() => this.#dropPulls());
  }

  /** Makes a pull for the worker's room that no open pull covers. */
  async #topUp(max: number): Promise<void> {
    let covered = 0;
    for (const pull of this.#pulls)
      covered += pull.batch.buffered() + pull.batch.pending() + (pull.waiting === undefined ? 0 : 1);
    const room = max - covered;
    if (room <= 0 || this.#pulls.length >= MAX_OPEN_PULLS) return;
    const batch = await this.#queue.client.pull(this.#queue.names.stream, WORKER_CONSUMER, {
      maxMessages: room,
      expiresMs: PULL_EXPIRES_MS,
    });
    if (this.#state === 'open') this.#pulls.push({ batch, waiting: undefined });
    else batch.stop();
  }

  /** Forget the open pulls; a pending receive then ends its wait and the next round makes new pulls. */
  #dropPulls(): void {
    for (const pull of this.#pulls) pull.batch.stop();
    this.#pulls = [];
  }

  /** Ends the open pulls and returns what arrived but was never handed out. */
  async #stopPulls(): Promise<ReceivedMessage[]> {
    const pulls = this.#pulls;
    this.#pulls = [];
    const leftovers: ReceivedMessage[] = [];
    for (const pull of pulls) pull.batch.stop();
    for (const pull of pulls) {
      try {
        // An interrupted next() resolves first; the stop itself comes after what was buffered.
        let message = pull.waiting ? (await pull.waiting).message : await pull.batch.next();
        while (message !== undefined) {
          leftovers.push(message);
          message = await pull.batch.next();
        }
      } catch {
        // A failed pull holds nothing more to hand back.
      }
    }
    return leftovers;
  }
}

/** The pull's next message, with the pull it came from; one `next()` per pull at a time. */
function waitOn(pull: OpenPull): Promise<Taken> {
  pull.waiting ??= pull.batch.next().then((message) => ({ pull, message }));
  return pull.waiting;
}
