import {
  type Delivery,
  pause,
  type Receiver,
  type ReceiverOptions,
  systemClock,
} from '@polyqueue/core/driver';
import type { PulledMessage } from './pubsub-client.js';
import { PullDelivery } from './pull-delivery.js';
import { leaseSeconds, type QueueContext, type Unsettled } from './queue-context.js';
import { type SourceName, splitRoom } from './room-split.js';
import { SubscriptionPuller } from './subscription-puller.js';

export interface PullReceiverSettings {
  /** Long-poll (real Pub/Sub) or poll every `pollIntervalMs` (an emulator). */
  readonly wait: boolean;
  readonly pollIntervalMs: number;
  /**
   * Called on first receive: the queue's background services (its delay forwarder) run in this
   * process from then on. Returns their release, called on close: they stop with the last receiver.
   */
  readonly acquireServices: () => () => void;
}

/**
 * A pulled message, as a delivery from the moment it arrived, and the keeping of its lease: by
 * core (`keepLease`) while it waits to be handed out, undefined while a `receive` is about to take
 * it anyway (see `#admit`).
 */
interface Pulled {
  readonly delivery: PullDelivery;
  stopKeeping: (() => void) | undefined;
}

/**
 * A worker's receiver: unary pulls from the queue's two subscriptions, `ready` (retries, due
 * delayed jobs, redriven dead letters) and `work` (jobs as producers sent them).
 *
 * The concurrency + prefetch bound holds on the wire (the SDK's streaming pull would lease more
 * than asked): the sizes of the pulls in flight, plus what they brought and was not handed out
 * yet, plus what was handed out and not settled, never sum to more than `maxUnsettled`, split
 * between the two subscriptions by `splitRoom`. A delivery frees its room when its settlement is
 * called (as the SDK's flow control counts), so a pull started after a batch of handlers settled
 * asks for their room too, though their acks are still on the wire: one pull of the whole room
 * rather than two of half of it. A `receive` hands out at most what it was asked for; the rest
 * waits for the next, its lease kept by core (`keepLease`) meanwhile.
 *
 * Order: each `receive` hands out what `ready` brought first (those jobs are older), and `ready`
 * gets at most half the room while `work` wants the rest, so neither subscription starves.
 */
export class PullReceiver implements Receiver {
  readonly #queue: QueueContext;
  readonly #options: ReceiverOptions;
  readonly #settings: PullReceiverSettings;
  readonly #ready: SubscriptionPuller<Pulled>;
  readonly #work: SubscriptionPuller<Pulled>;
  /** Aborts the pulls in flight on close (a receive's own signal only ends that receive). */
  readonly #stop = new AbortController();
  /** Lets a graceful driver close hand back what was pulled and not handed out. */
  readonly #pulledHandle: Unsettled = {
    release: () => this.#handBackPulled(),
    linkedIn: undefined,
    linkPrev: undefined,
    linkNext: undefined,
  };
  /** Each subscription's own ack deadline, read on first receive. */
  #deadlines: Promise<Readonly<Record<SourceName, number>>> | undefined;
  /** Who gets the only slot when the room is one message. */
  #turn: SourceName = 'ready';
  /** Handed out, settlement not called yet: the room they hold. */
  #outstanding = 0;
  /** A delivery's first settlement frees its room: one function for them all, not one per job. */
  readonly #freeRoom = () => {
    this.#outstanding--;
  };
  /** Set on first receive. */
  #releaseServices: (() => void) | undefined;
  /** A `receive` is running: what a pull brings meanwhile is taken by it, or kept when it ends. */
  #receiving = false;
  #closed = false;

  constructor(queue: QueueContext, options: ReceiverOptions, settings: PullReceiverSettings) {
    this.#queue = queue;
    this.#options = options;
    this.#settings = settings;
    const puller = (name: SourceName, initialWant: number) =>
      new SubscriptionPuller<Pulled>(queue.api, queue[name], {
        wait: settings.wait,
        pollIntervalMs: settings.pollIntervalMs,
        initialWant,
        admit: (messages) => this.#admit(name, messages),
      });
    // `ready` starts by holding one slot: it is usually idle, and a long poll holds its slots.
    this.#ready = puller('ready', 1);
    this.#work = puller('work', Number.POSITIVE_INFINITY);
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]> {
    const queue = this.#queue;
    if (this.#closed || !queue.alive) return [];
    await this.#start();
    let onAbort = () => {};
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
    });
    signal.addEventListener('abort', onAbort, { once: true });
    this.#receiving = true;
    try {
      // Abandoned mid-pull (queue.alive false): never hand out; the broker redelivers.
      while (!signal.aborted && queue.alive && !this.#closed) {
        const ready = this.#ready.take(max);
        const work = this.#work.take(max - ready.length);
        if (ready.length + work.length > 0) return this.#handOut([...ready, ...work]);
        const failed = this.#ready.takeError() ?? this.#work.takeError();
        if (failed) throw failed.error;
        if (this.#ready.canPull(Date.now()) || this.#work.canPull(Date.now())) {
          // Size the pulls once this turn's settlements are in, as the settle batching waits for
          // them: handlers that finish together free their room before the pull asks for it.
          await new Promise((resolve) => setImmediate(resolve));
          if (signal.aborted || !queue.alive || this.#closed) break;
          this.#startPulls();
        }
        const inFlight = [this.#ready.pulling, this.#work.pulling].filter((pull) => pull !== undefined);
        if (inFlight.length > 0) await Promise.race([aborted, ...inFlight]);
        else {
          // Both came back empty a moment ago: an emulator is polled, an empty long poll not retried at once.
          const wait = Math.min(this.#ready.quietUntil, this.#work.quietUntil) - Date.now();
          await pause(systemClock, Math.max(1, wait), signal);
        }
      }
    } finally {
      this.#receiving = false;
      this.#keepLeftovers();
      signal.removeEventListener('abort', onAbort);
    }
    return [];
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    await Promise.all([this.#ready.pulling, this.#work.pulling]);
    try {
      await this.#handBackPulled();
    } finally {
      this.#queue.forget(this.#pulledHandle);
      this.#releaseServices?.();
    }
  }

  #start(): Promise<Readonly<Record<SourceName, number>>> {
    if (this.#releaseServices === undefined) {
      this.#queue.track(this.#pulledHandle);
      this.#releaseServices = this.#settings.acquireServices();
    }
    const { api, names } = this.#queue;
    if (this.#deadlines === undefined) {
      const deadlines = Promise.all([
        api.getAckDeadlineSeconds(names.ready),
        api.getAckDeadlineSeconds(names.work),
      ]).then(([ready, work]) => ({ ready, work }));
      this.#deadlines = deadlines;
      // A failed read (say, a queue provisioned before it had a ready subscription) is tried again.
      deadlines.catch(() => {
        if (this.#deadlines === deadlines) this.#deadlines = undefined;
      });
    }
    return this.#deadlines;
  }

  #startPulls(): void {
    const now = Date.now();
    const ready = this.#ready;
    const work = this.#work;
    const room = this.#options.maxUnsettled - this.#outstanding - ready.reserved - work.reserved;
    const split = splitRoom(
      room,
      { ready: ready.canPull(now), work: work.canPull(now) },
      { ready: ready.want, work: work.want },
      this.#turn,
    );
    if (split[this.#turn] > 0) this.#turn = this.#turn === 'ready' ? 'work' : 'ready';
    if (split.ready > 0) ready.start(split.ready, this.#stop.signal);
    if (split.work > 0) work.start(split.work, this.#stop.signal);
  }

  /**
   * What a pull brought becomes deliveries at once, leased as the queue says and kept leased by
   * core until handed out: a receive may leave some for the next one. While a receive is running,
   * it takes them within the same turn and has core keep only what it leaves (`#keepLeftovers`):
   * keeping each one for a moment was a closure, a lease entry and two map changes per job.
   */
  async #admit(name: SourceName, messages: readonly PulledMessage[]): Promise<Pulled[]> {
    const source = this.#queue[name];
    const deadlines = await this.#start();
    if (leaseSeconds(this.#options.leaseMs) !== deadlines[name])
      await source.startLeases(messages, this.#options.leaseMs);
    const keep = !this.#receiving;
    return messages.map((message) => {
      const delivery = new PullDelivery(
        this.#queue,
        source,
        message,
        source.received(message),
        this.#freeRoom,
      );
      return { delivery, stopKeeping: keep ? this.#keep(delivery) : undefined };
    });
  }

  #keep(delivery: PullDelivery): () => void {
    return this.#options.keepLease?.(delivery) ?? noop;
  }

  /** Has core keep the lease of what a receive left for the next one. */
  #keepLeftovers(): void {
    for (const puller of [this.#ready, this.#work])
      for (const pulled of puller.waiting()) pulled.stopKeeping ??= this.#keep(pulled.delivery);
  }

  #handOut(pulled: readonly Pulled[]): Delivery[] {
    return pulled.map(({ delivery, stopKeeping }) => {
      stopKeeping?.();
      this.#outstanding++;
      this.#queue.track(delivery);
      return delivery;
    });
  }

  /** Messages pulled and never handed out go back at once (not counted as deliveries). */
  async #handBackPulled(): Promise<void> {
    const ready = this.#ready.take(Number.POSITIVE_INFINITY);
    const work = this.#work.take(Number.POSITIVE_INFINITY);
    for (const { stopKeeping } of [...ready, ...work]) stopKeeping?.();
    if (!this.#queue.alive) return;
    const native = (pulled: readonly Pulled[]) => pulled.map(({ delivery }) => delivery.native);
    await Promise.all([this.#queue.ready.handBack(native(ready)), this.#queue.work.handBack(native(work))]);
  }
}

function noop(): void {}
