import type { Clock, TimerHandle } from '../../clock/clock.js';
import type { SendOutcome } from '../outgoing-message.js';
import type { BackgroundErrors } from './background-errors.js';
import { BackgroundLoop } from './background-loop.js';
import { ErrorBackoff } from './error-backoff.js';
import { PendingWork } from './pending-work.js';
import { Wakeup } from './wakeup.js';

/** The broker's side of a delay path: everything the {@link Forwarder} cannot know. */
export interface ForwarderSource<M> {
  /** Next batch from the delay path (may long-poll); [] soon after `signal` aborts. */
  pull(max: number, signal: AbortSignal): Promise<readonly M[]>;
  /**
   * Epoch ms the message is due (its pq-not-before); <= now means due. Must not throw: a message
   * whose due time cannot be read is due (0), so it reaches a worker, which dead-letters it if it
   * cannot decode it, rather than circling on the delay path forever.
   */
  dueAt(message: M): number;
  /** A stable key while held (e.g. the broker's message id), so a redelivery is not held twice. */
  key(message: M): string;
  /**
   * The broker-specific part: send a not-yet-due message away so it comes back around its due
   * time (NAK with a delay, hop into the delay queue again, push its ack deadline). Called only
   * for messages not held in memory (see `holdInMemoryBelowMs`).
   */
  holdBack(message: M, remainingMs: number): Promise<void>;
  /** Optional: protect a message held in memory until due (e.g. extend its lease past remainingMs). */
  protect?(message: M, remainingMs: number): Promise<void>;
  /** Publish due messages to the work queue, confirmed; per-message outcomes in order. */
  publish(messages: readonly M[]): Promise<readonly SendOutcome[]>;
  /** Remove forwarded messages from the delay path (only after their publish was confirmed). */
  ack(messages: readonly M[]): Promise<void>;
  /**
   * Give back messages not forwarded, deliverable again soon. `reason` says how soon: 'stop' (the
   * forwarder is stopping: at once, for another forwarder to take) or 'publish-failed' (after a
   * short wait, so the same failure is not met again at once while the connection recovers).
   */
  handBack(messages: readonly M[], reason: HandBackReason): Promise<void>;
}

/** Why the forwarder gives messages back (see {@link ForwarderSource.handBack}). */
export type HandBackReason = 'stop' | 'publish-failed';

export interface ForwarderOptions {
  readonly clock: Clock;
  readonly errors: BackgroundErrors;
  /** The logical queue name, for reports. */
  readonly queue: string;
  readonly pullSize: number;
  /** Messages due within this are held in memory on a clock timer, then forwarded; default 0. */
  readonly holdInMemoryBelowMs?: number;
  /** Default 10,000; at the cap the forwarder stops pulling until some are forwarded. */
  readonly maxHeld?: number;
  /** Pause after an empty pull; default 0 (pull long-polls). */
  readonly idleMs?: number;
}

interface Held<M> {
  readonly message: M;
  timer: TimerHandle;
}

/**
 * Moves due jobs from a queue's delay path to its work queue: pull, hold back what is not due,
 * publish what is, and ack only what was published (confirmed). A forwarder that dies between
 * publish and ack leaves a copy that comes back and is forwarded again: a duplicate at worst
 * (which the work queue's dedup id drops where the broker has one), never a loss.
 *
 * Errors, reported with the queue: a failed pull 'forward-pull' (then the error backoff); a failed
 * publish of an entry 'forward' (the entry is handed back; while whole batches fail, pulls take
 * the error backoff too); a failed ack 'forward-ack' (the copy comes back, see above); a failed
 * hold-back, protect or hand-back 'forward-hold-back', 'forward-protect', 'forward-hand-back' (the
 * message comes back when its lease runs out).
 */
export class Forwarder<M> {
  readonly #source: ForwarderSource<M>;
  readonly #options: ForwarderOptions;
  readonly #holdBelowMs: number;
  readonly #maxHeld: number;
  readonly #loop: BackgroundLoop;
  readonly #held = new Map<string, Held<M>>();
  /** Publishes under way: a graceful stop waits for them. */
  readonly #publishing = new PendingWork();
  #publishingCount = 0;
  #mode: 'graceful' | 'abandon' | undefined;
  /**
   * Backs the pulls off while publishes fail as a whole (the work queue is unreachable): what
   * they hand back would otherwise be pulled and failed again at once, in a tight loop.
   */
  readonly #publishBackoff: ErrorBackoff;
  #publishFailing = false;
  /** Whole publish failures so far: tells a pull whether one happened while it ran. */
  #wholeFailures = 0;
  /** Woken when a publish settles, which frees room under maxHeld. */
  readonly #roomFreed = new Wakeup();

  constructor(source: ForwarderSource<M>, options: ForwarderOptions) {
    this.#source = source;
    this.#options = options;
    this.#holdBelowMs = options.holdInMemoryBelowMs ?? 0;
    this.#maxHeld = options.maxHeld ?? 10_000;
    this.#publishBackoff = new ErrorBackoff(options.clock);
    this.#loop = new BackgroundLoop({
      clock: options.clock,
      errors: options.errors,
      action: 'forward-pull',
      queue: options.queue,
      idleMs: options.idleMs ?? 0,
      step: (signal) => this.#step(signal),
    });
  }

  /** Starts pulling; later calls do nothing. */
  start(): void {
    this.#loop.start();
  }

  /**
   * `graceful`: stop pulling, hand back what is held (so another forwarder takes it without
   * waiting for its lease) and wait for the publishes in flight to be settled. `abandon`: settle
   * nothing, as if the process died. Never rejects.
   */
  async stop(mode: 'graceful' | 'abandon'): Promise<void> {
    this.#mode ??= mode;
    await this.#loop.stop();
    const held = [...this.#held.values()];
    this.#held.clear();
    for (const entry of held) this.#options.clock.clearTimeout(entry.timer);
    if (this.#mode === 'abandon') return;
    await Promise.all([
      held.length > 0
        ? this.#handBack(
            held.map((entry) => entry.message),
            'stop',
          )
        : undefined,
      this.#publishing.idle(),
    ]);
  }

  async #step(signal: AbortSignal): Promise<'idle' | 'busy'> {
    const room = Math.min(this.#options.pullSize, this.#maxHeld - this.#held.size - this.#publishingCount);
    if (room <= 0) {
      await this.#roomFreed.wait(signal);
      return 'busy';
    }
    if (this.#publishFailing) {
      await this.#publishBackoff.wait(signal);
      if (signal.aborted) return 'busy';
    }
    const failuresBefore = this.#wholeFailures;
    const messages = await this.#source.pull(room, signal);
    if (messages.length === 0) return 'idle';
    if (this.#publishFailing && this.#wholeFailures !== failuresBefore) {
      // A publish failed whole while this pull ran, so the pull may have brought straight back what
      // that publish handed back: forwarding it now would fail again with no backoff between.
      if (this.#mode !== 'abandon') await this.#handBack(messages, 'publish-failed');
      return 'busy';
    }
    if (signal.aborted) {
      // Pulled while stopping: nobody will forward these, so give them back now (graceful).
      if (this.#mode !== 'abandon') await this.#handBack(messages, 'stop');
      return 'busy';
    }
    const now = this.#options.clock.now();
    const due: M[] = [];
    const sentAway: Promise<void>[] = [];
    for (const message of messages) {
      this.#supersede(this.#source.key(message));
      const remaining = this.#source.dueAt(message) - now;
      if (remaining <= 0) due.push(message);
      else if (remaining < this.#holdBelowMs) this.#hold(message, remaining);
      else sentAway.push(this.#holdBack(message, remaining));
    }
    if (due.length > 0) this.#publish(due);
    await Promise.all(sentAway);
    return 'busy';
  }

  /**
   * A redelivery of a message held in memory (its lease ran out early) replaces the held copy: the
   * newest delivery's handle is the one the broker honours (a Pub/Sub ackId), and forwarding both
   * would publish the job twice. The old copy is left unsettled: settling it could settle the new.
   */
  #supersede(key: string): void {
    const held = this.#held.get(key);
    if (held === undefined) return;
    this.#options.clock.clearTimeout(held.timer);
    this.#held.delete(key);
  }

  #hold(message: M, remaining: number): void {
    const key = this.#source.key(message);
    const entry: Held<M> = { message, timer: this.#arm(key, message, remaining) };
    this.#held.set(key, entry);
    this.#source
      .protect?.(message, remaining)
      .catch((error: unknown) => this.#options.errors.report('forward-protect', error, this.#options.queue));
  }

  #arm(key: string, message: M, ms: number): TimerHandle {
    return this.#options.clock.setTimeout(() => {
      const entry = this.#held.get(key);
      if (entry === undefined || entry.message !== message || this.#mode !== undefined) return;
      // Never early: a real timer may fire a millisecond before the clock says it is due.
      const remaining = this.#source.dueAt(message) - this.#options.clock.now();
      if (remaining > 0) {
        entry.timer = this.#arm(key, message, Math.max(1, remaining));
        return;
      }
      this.#held.delete(key);
      this.#publish([message]);
    }, ms);
  }

  async #holdBack(message: M, remaining: number): Promise<void> {
    try {
      await this.#source.holdBack(message, remaining);
    } catch (error) {
      this.#options.errors.report('forward-hold-back', error, this.#options.queue);
    }
  }

  /** Publishes without blocking the pull loop; tracked so that a graceful stop waits for it. */
  #publish(messages: readonly M[]): void {
    this.#publishingCount += messages.length;
    this.#publishing.track(
      this.#publishThenSettle(messages).finally(() => {
        this.#publishingCount -= messages.length;
        this.#roomFreed.notify();
      }),
    );
  }

  async #publishThenSettle(messages: readonly M[]): Promise<void> {
    const { errors, queue } = this.#options;
    let outcomes: readonly SendOutcome[];
    try {
      outcomes = await this.#source.publish(messages);
    } catch (error) {
      outcomes = messages.map(() => ({ ok: false, error }));
    }
    const published: M[] = [];
    const failed: M[] = [];
    const reported = new Set<unknown>();
    messages.forEach((message, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) {
        published.push(message);
        return;
      }
      failed.push(message);
      const error =
        outcome === undefined ? new Error('publish returned no outcome for this message') : outcome.error;
      // One report per distinct error: a whole batch refused for one reason is one fault.
      if (!reported.has(error)) errors.report('forward', error, queue);
      reported.add(error);
    });
    // Only a batch with no success backs the pulls off: one refused entry among good ones is that
    // entry's problem, and must not slow the whole delay path.
    this.#publishFailing = published.length === 0;
    if (this.#publishFailing) this.#wholeFailures++;
    if (published.length > 0) this.#publishBackoff.reset();
    if (this.#mode === 'abandon') return;
    await Promise.all([
      published.length > 0
        ? this.#source.ack(published).catch((error: unknown) => errors.report('forward-ack', error, queue))
        : undefined,
      failed.length > 0 ? this.#handBack(failed, 'publish-failed') : undefined,
    ]);
  }

  async #handBack(messages: readonly M[], reason: HandBackReason): Promise<void> {
    try {
      await this.#source.handBack(messages, reason);
    } catch (error) {
      this.#options.errors.report('forward-hand-back', error, this.#options.queue);
    }
  }
}
