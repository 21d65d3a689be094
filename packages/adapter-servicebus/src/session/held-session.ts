import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import type { Clock, TimerHandle } from '@polyqueue/core/driver';
import type { BusSessionReceiver } from '../bus/bus-client.js';
import type { SessionRecord } from './session-record.js';

/**
 * Where a held session stands. One message per session is out at a time, which is what keeps a
 * key's jobs one at a time and in order:
 * - `ready`: nothing out; its next message may be received;
 * - `busy`: one message handed out, not yet settled;
 * - `parked`: its head message failed and waits out its backoff, still locked, so that no later
 *   message of the session can overtake it;
 * - `gone`: given up or lost; the session is free for any receiver.
 */
export type SessionState = 'ready' | 'busy' | 'parked' | 'gone';

export interface SessionEvents {
  /** The session has nothing out any more: its next message may be received. */
  ready(session: HeldSession): void;
  /** Runs once, when the session is given up or lost. */
  gone(session: HeldSession): void;
  /** A failure of work no caller awaits (a lock renewal, a parked retry, a close); never throws. */
  report(action: string, error: unknown): void;
}

/** Never wait longer than this between two looks at a held session's lock. */
const MAX_LOCK_CHECK_MS = 60_000;
/** Nor less: a lock already (nearly) lapsed, or a clock skewed from the service's, must not spin. */
const MIN_LOCK_CHECK_MS = 500;

/**
 * One session a receiver holds, with its lock kept as its state needs. Renewal is polyqueue's,
 * never the SDK's: a parked session is renewed here until its retry is due; a busy one only by
 * its delivery's `extendLease` (a hung handler must lose it, as with any lease); a ready one is
 * given up rather than renewed, so that an idle session does not keep its key from other workers.
 */
export class HeldSession {
  readonly receiver: BusSessionReceiver;
  #state: SessionState = 'ready';
  readonly #clock: Clock;
  readonly #events: SessionEvents;
  #lockTimer: TimerHandle | undefined;
  #retryTimer: TimerHandle | undefined;
  #retryNow: (() => Promise<void>) | undefined;
  /** A received message held back until a lost holder's lease has run out (see `hold`). */
  #pending: { readonly message: ServiceBusReceivedMessage; readonly uncounted: number } | undefined;
  /** The session state's record, once read (`recordRead`), then as last written. */
  record: SessionRecord | undefined;
  recordRead = false;

  constructor(receiver: BusSessionReceiver, clock: Clock, events: SessionEvents) {
    this.receiver = receiver;
    this.#clock = clock;
    this.#events = events;
    this.#armLockCheck();
  }

  get state(): SessionState {
    return this.#state;
  }

  get sessionId(): string {
    return this.receiver.sessionId;
  }

  /** A message of this session was handed out. */
  handedOut(): void {
    if (this.#state === 'ready') this.#state = 'busy';
  }

  /** Its message was settled (or failed to be: then the session is lost). */
  settled(error?: unknown): void {
    if (this.#state === 'gone') return;
    if (error !== undefined) {
      void this.giveUp();
      return;
    }
    this.#state = 'ready';
    this.#events.ready(this);
  }

  /**
   * Keeps the failed head message locked for `delayMs`, then runs `abandon`, which makes it the
   * session's next message again (Service Bus keeps an abandoned message's place and counts the
   * delivery, which is the next attempt). `abandon` also runs early by `retryNow()` (a graceful
   * shutdown gives the message back), and not at all if the session is lost meanwhile: the service
   * then redelivers the message after the lock expiry, its delivery counted the same way. Either
   * way the job is not handed out early: its due time is in the session state (written before
   * parking), and the session's next holder holds the message until then (`hold`).
   */
  park(delayMs: number, abandon: () => Promise<void>): void {
    if (this.#state === 'gone') return;
    this.#state = 'parked';
    this.#retryNow = async () => {
      if (this.#retryTimer !== undefined) this.#clock.clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      this.#retryNow = undefined;
      if (this.#state !== 'parked') return;
      try {
        await abandon();
        this.settled();
      } catch (error) {
        // The session is lost: the service redelivers the message after the lock expiry, and its
        // next holder still waits out the backoff recorded in the session state.
        this.#events.report('session-retry', error);
        this.settled(error);
      }
    };
    const run = this.#retryNow;
    this.#retryTimer = this.#clock.setTimeout(() => void run(), Math.max(0, delayMs));
  }

  /**
   * Holds a message just received, still locked, for `delayMs` before it may be handed out: the
   * rest of the lease a lost holder had on it, or of its retry's backoff. Then the session is
   * ready, and `takePending()` yields it. Cut short (`retryNow`, a graceful shutdown), the message
   * is dropped here and goes back when the session is given up: closing the session frees it
   * uncounted, where an abandon would count a delivery that never ran. Its session state still
   * says how long to hold it, so the next holder holds it for the rest.
   */
  hold(message: ServiceBusReceivedMessage, uncounted: number, delayMs: number): void {
    this.#pending = { message, uncounted };
    this.park(delayMs, async () => {});
    const due = this.#retryNow;
    this.#retryNow = async () => {
      this.#pending = undefined;
      await due?.();
    };
  }

  /** The message `hold` kept back, once due. */
  takePending(): { readonly message: ServiceBusReceivedMessage; readonly uncounted: number } | undefined {
    if (this.#state !== 'ready') return undefined;
    const pending = this.#pending;
    this.#pending = undefined;
    return pending;
  }

  /** Runs a parked retry at once. */
  async retryNow(): Promise<void> {
    await this.#retryNow?.();
  }

  /** Gives the session up: other receivers may accept it. Idempotent. */
  async giveUp(): Promise<void> {
    if (this.#state === 'gone') return;
    this.#state = 'gone';
    if (this.#lockTimer !== undefined) this.#clock.clearTimeout(this.#lockTimer);
    if (this.#retryTimer !== undefined) this.#clock.clearTimeout(this.#retryTimer);
    this.#retryNow = undefined;
    this.#pending = undefined;
    this.#events.gone(this);
    await this.receiver.close().catch((error: unknown) => this.#events.report('close-session', error));
  }

  /** Looks at the lock halfway to its expiry. */
  #armLockCheck(): void {
    const remaining = this.receiver.sessionLockedUntilUtc.getTime() - this.#clock.now();
    const wait = Math.min(MAX_LOCK_CHECK_MS, Math.max(MIN_LOCK_CHECK_MS, remaining / 2));
    this.#lockTimer = this.#clock.setTimeout(() => void this.#checkLock(), wait);
  }

  async #checkLock(): Promise<void> {
    this.#lockTimer = undefined;
    switch (this.#state) {
      case 'gone':
        return;
      case 'ready':
        await this.giveUp();
        return;
      case 'parked':
        try {
          await this.receiver.renewSessionLock();
        } catch (error) {
          // Lost: the service redelivers the parked message after the lock expiry (its backoff is
          // in the session state, so the next holder still waits it out).
          this.#events.report('renew-session-lock', error);
          await this.giveUp();
          return;
        }
        break;
      case 'busy':
        // The delivery's extendLease renews while its handler runs; once the lock has lapsed
        // unrenewed, the session is the service's again.
        if (this.receiver.sessionLockedUntilUtc.getTime() <= this.#clock.now()) {
          await this.giveUp();
          return;
        }
        break;
    }
    // The state may have changed while renewing.
    if ((this.#state as SessionState) !== 'gone') this.#armLockCheck();
  }
}
