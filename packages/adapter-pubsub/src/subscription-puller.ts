import type { PubSubApi, PulledMessage } from './pubsub-client.js';
import type { PullSource } from './pull-source.js';
import { nextWant } from './room-split.js';

export interface SubscriptionPullerOptions<T> {
  /** Long-poll (real Pub/Sub) or return at once (an emulator). */
  readonly wait: boolean;
  /** After an empty answer (or an error), the subscription is not pulled again for this long. */
  readonly pollIntervalMs: number;
  /** What the first pull asks for at most. */
  readonly initialWant: number;
  /**
   * Turns what a pull brought into what the puller holds until it is taken (the receiver's
   * deliveries, leased from then on). A rejection counts as the pull's error.
   */
  readonly admit: (messages: readonly PulledMessage[]) => Promise<readonly T[]>;
}

/** An idle subscription of an emulator is polled at most every 2^2 poll intervals (100 ms by default). */
const MAX_IDLE_POLL_STEPS = 2;

/**
 * One subscription's side of a worker's receiver: at most one unary pull in flight, whose size
 * stays reserved out of the worker's room until the messages it brought are handed out. A pull is
 * never cancelled to make room (a cancelled pull may already have leased messages, which would
 * then wait out their ack deadline): it is left to finish, and what it brings is handed out by a
 * later `receive`, when the worker's room still covers it.
 */
export class SubscriptionPuller<T> {
  readonly source: PullSource;
  /** What the next pull asks for at most (see `nextWant`). */
  want: number;
  readonly #api: PubSubApi;
  readonly #options: SubscriptionPullerOptions<T>;
  #inFlight: Promise<void> | undefined;
  #inFlightSize = 0;
  #pulled: T[] = [];
  #error: { readonly error: unknown } | undefined;
  #quietUntil = 0;
  /** Empty answers in a row: an emulator that keeps answering empty is polled less often. */
  #emptyStreak = 0;

  constructor(api: PubSubApi, source: PullSource, options: SubscriptionPullerOptions<T>) {
    this.#api = api;
    this.source = source;
    this.#options = options;
    this.want = options.initialWant;
  }

  /** Room this subscription holds: its pull in flight, plus what it pulled and has not handed out. */
  get reserved(): number {
    return this.#inFlightSize + this.#pulled.length;
  }

  /** Settles (never rejects) when the pull in flight ends; undefined when none is. */
  get pulling(): Promise<void> | undefined {
    return this.#inFlight;
  }

  /** Not before this time (epoch ms) may it be pulled again, after an empty answer or an error. */
  get quietUntil(): number {
    return this.#quietUntil;
  }

  canPull(now: number): boolean {
    return this.#inFlight === undefined && this.#error === undefined && now >= this.#quietUntil;
  }

  start(size: number, signal: AbortSignal): void {
    this.#inFlightSize = size;
    this.#inFlight = this.#api
      .pull(this.source.subscription, size, { wait: this.#options.wait, signal })
      .then(async (messages) => {
        const admitted = messages.length > 0 ? await this.#options.admit(messages) : [];
        return { admitted, got: messages.length };
      })
      .then(
        ({ admitted, got }) => {
          this.#done();
          for (const item of admitted) this.#pulled.push(item);
          this.want = nextWant(size, got, this.#options.wait);
          this.#emptyStreak = got === 0 ? this.#emptyStreak + 1 : 0;
          if (got === 0) this.#quiet();
        },
        (error: unknown) => {
          this.#done();
          this.#error = { error };
          this.#quiet();
        },
      );
  }

  /** Up to `max` of what was pulled and not yet handed out, oldest pull first. */
  take(max: number): T[] {
    if (max <= 0 || this.#pulled.length === 0) return [];
    if (max >= this.#pulled.length) {
      const all = this.#pulled;
      this.#pulled = [];
      return all;
    }
    return this.#pulled.splice(0, max);
  }

  /** What was pulled and not handed out yet, oldest first, without taking it. */
  waiting(): readonly T[] {
    return this.#pulled;
  }

  /** The error of the last pull, once: the receiver rejects with it and the worker backs off. */
  takeError(): { readonly error: unknown } | undefined {
    const error = this.#error;
    this.#error = undefined;
    return error;
  }

  #done(): void {
    this.#inFlight = undefined;
    this.#inFlightSize = 0;
  }

  /**
   * Not pulled again for a while: the poll interval after an error or an empty long poll. An
   * emulator answers at once, so an idle subscription there would cost a round trip (under the
   * fake's global lock) every interval: its interval doubles with each empty answer in a row, up
   * to {@link MAX_IDLE_POLL_STEPS} doublings, and is back to one as soon as a pull brings messages.
   */
  #quiet(): void {
    const steps = this.#options.wait ? 0 : Math.min(MAX_IDLE_POLL_STEPS, Math.max(0, this.#emptyStreak - 1));
    this.#quietUntil = Date.now() + this.#options.pollIntervalMs * 2 ** steps;
  }
}
