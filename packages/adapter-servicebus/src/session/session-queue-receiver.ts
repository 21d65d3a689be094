import { ErrorBackoff, type Receiver, type ReceiverOptions } from '@polyqueue/core/driver';
import { decodeReceived } from '../message-codec.js';
import type { QueueContext } from '../queue-context.js';
import { ServiceBusDelivery, type SessionHooks } from '../servicebus-delivery.js';
import { RECEIVE_WAIT_MS } from '../servicebus-receiver.js';
import { HeldSession } from './held-session.js';
import {
  continuation,
  decodeSessionRecord,
  encodeSessionRecord,
  type SessionRecord,
  serviceDelivery,
} from './session-record.js';

/**
 * How long a held session is asked for its next message, and how long further sessions are
 * waited for once one has been accepted in a receive call. Short: a session that has nothing is
 * given up, and a receive call that already has work should not sit waiting for more.
 */
export const SESSION_PEEK_WAIT_MS = 200;

/**
 * A session whose lock has less than this share of a lease left is renewed as its message is
 * handed out. The worker counts a delivery's lease from when it receives it and extends it once
 * half a lease is left (checking every third of one), so the lock must then cover nearly a lease.
 */
const RENEW_BELOW_LEASE_SHARE = 0.9;

/**
 * A worker's receiver on a session queue (capability `ordering`). Service Bus gives each session
 * to one receiver at a time and keeps its messages in send order; this receiver holds up to
 * `maxUnsettled` sessions at once and has at most one message of each out, so the jobs of one
 * `orderingKey` run one at a time, in order, while other keys go on in the other sessions.
 *
 * A failed job stays at the head of its session: its session is parked, locked, for the backoff,
 * and the message is abandoned only then (see `HeldSession.park`). A session with nothing to give
 * is given up at once, so that a key is not kept from other workers.
 */
export class ServiceBusSessionQueueReceiver implements Receiver {
  readonly #queue: QueueContext;
  readonly #leaseMs: number;
  readonly #maxSessions: number;
  readonly #sessions = new Set<HeldSession>();
  #closed = false;
  /** Sessions lost to an error so far: a receive call that loses one pauses (`#backoff`) before the next. */
  #lost = 0;
  readonly #backoff: ErrorBackoff;
  /** Wakes a receive call waiting for a held session to become ready. */
  #wake: (() => void) | undefined;

  constructor(queue: QueueContext, options: ReceiverOptions) {
    this.#queue = queue;
    this.#leaseMs = options.leaseMs;
    this.#maxSessions = Math.max(1, options.maxUnsettled);
    this.#backoff = new ErrorBackoff(queue.clock);
  }

  /** Sessions held now (for tests and diagnostics). */
  get heldSessions(): readonly HeldSession[] {
    return [...this.#sessions];
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly ServiceBusDelivery[]> {
    if (this.#closed || signal.aborted || max <= 0) return [];
    const out: ServiceBusDelivery[] = [];
    const ready = [...this.#sessions].filter((session) => session.state === 'ready').slice(0, max);
    const lostBefore = this.#lost;
    const next = await Promise.all(ready.map((session) => this.#next(session)));
    for (const delivery of next) if (delivery) out.push(delivery);

    let waited = false;
    // A session lost to an error goes back to the service, which offers it again at once: accepting
    // it again without a pause would spin on a fault that lasts (see `#lost`).
    while (
      out.length < max &&
      this.#sessions.size < this.#maxSessions &&
      !signal.aborted &&
      this.#lost === lostBefore
    ) {
      const wait = out.length === 0 && !waited ? RECEIVE_WAIT_MS : SESSION_PEEK_WAIT_MS;
      waited = true;
      const receiver = await this.#queue.bus.acceptNextSession(this.#queue.nativeName, { maxWaitMs: wait });
      if (!receiver) break;
      const session = this.#hold(receiver);
      if (this.#closed) {
        await session.giveUp();
        break;
      }
      const delivery = await this.#next(session);
      if (delivery) out.push(delivery);
    }
    if (this.#lost !== lostBefore) await this.#backoff.wait(signal);
    else if (out.length > 0) this.#backoff.reset();
    if (out.length === 0 && !waited && this.#lost === lostBefore) await this.#waitForReady(signal);
    return out;
  }

  /**
   * Stops receiving and gives up every idle session. Sessions with a message out stay held until
   * it is settled (it must stay settleable); parked ones until their retry is due.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await Promise.all(
      [...this.#sessions].filter((s) => s.state === 'ready').map((session) => session.giveUp()),
    );
  }

  /** Parked retries of this receiver, run now (a graceful driver shutdown gives their jobs back). */
  async retryParkedNow(): Promise<void> {
    await Promise.all([...this.#sessions].map((session) => session.retryNow()));
  }

  /** The driver is closing: every session is given up, whatever its state. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await Promise.all([...this.#sessions].map((session) => session.giveUp()));
  }

  #hold(receiver: HeldSession['receiver']): HeldSession {
    const session = new HeldSession(this.#queue.opened(receiver), this.#queue.clock, {
      ready: (ready) => {
        // A session freed while closing is given up; otherwise a waiting receive may take from it.
        if (this.#closed) void ready.giveUp();
        else this.#wake?.();
      },
      gone: (gone) => {
        this.#sessions.delete(gone);
        this.#queue.closed(gone.receiver);
        this.#wake?.();
      },
      report: (action, error) => this.#queue.report(action, error),
    });
    this.#sessions.add(session);
    return session;
  }

  /**
   * The session's next message as a delivery, or undefined: the session had nothing (it is then
   * given up), or its message is held back until a lost holder's lease ends (see `SessionRecord`).
   */
  async #next(session: HeldSession): Promise<ServiceBusDelivery | undefined> {
    const { receiver } = session;
    const clock = this.#queue.clock;
    try {
      let next = session.takePending();
      if (!next) {
        const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: SESSION_PEEK_WAIT_MS });
        if (!message) {
          await session.giveUp();
          return undefined;
        }
        if (!session.recordRead) {
          session.record = decodeSessionRecord(await receiver.getSessionState());
          session.recordRead = true;
        }
        const { uncounted, heldUntil } = continuation(session.record, message);
        if (heldUntil > clock.now()) {
          session.hold(message, uncounted, heldUntil - clock.now());
          return undefined;
        }
        next = { message, uncounted };
      }
      const { message, uncounted } = next;
      // Recorded before the handler starts, so that a crash during it is counted by the next holder.
      await this.#record(session, {
        seq: message.sequenceNumber?.toString() ?? '',
        delivery: serviceDelivery(message) + uncounted,
        leaseUntil: clock.now() + this.#leaseMs,
      });
      const left = receiver.sessionLockedUntilUtc.getTime() - clock.now();
      if (left < this.#leaseMs * RENEW_BELOW_LEASE_SHARE) await receiver.renewSessionLock();
      session.handedOut();
      const context = { ...this.#queue.context(receiver), session: this.#hooks(session) };
      return this.#queue.track(new ServiceBusDelivery(message, decodeReceived(message), context, uncounted));
    } catch (error) {
      // The session lock is lost (expired, link dropped): its messages go back to the service,
      // which hands the session to the next receiver to accept it.
      // Not when it was given up meanwhile (a close): its receiver refuses calls then, as it should.
      if (session.state !== 'gone' && this.#queue.alive()) {
        this.#lost++;
        this.#queue.report('session-lost', error);
      }
      await session.giveUp();
      return undefined;
    }
  }

  async #record(session: HeldSession, record: SessionRecord): Promise<void> {
    await session.receiver.setSessionState(encodeSessionRecord(record));
    session.record = record;
  }

  #hooks(session: HeldSession): SessionHooks {
    return {
      settled: (error) => session.settled(error),
      park: async (delayMs, abandon) => {
        const now = this.#queue.clock.now();
        // Written before parking: the backoff lives in the session state, on the service, and not
        // only in this process. Whoever holds the session next (this worker after a graceful close
        // gave the message back early, another after a crash) holds the message until retryAt.
        const record = session.record;
        if (!record) throw new Error('servicebus: a session retry without the record of its delivery');
        try {
          await this.#record(session, { ...record, leaseUntil: now, retryAt: now + Math.max(0, delayMs) });
        } catch (error) {
          session.settled(error); // the session lock is lost: the service redelivers after its expiry
          throw error;
        }
        session.park(delayMs, abandon);
      },
      extend: async () => {
        await session.receiver.renewSessionLock();
        const { record } = session;
        if (record)
          await this.#record(session, { ...record, leaseUntil: this.#queue.clock.now() + this.#leaseMs });
      },
    };
  }

  /** Nothing to receive and no room for another session: wait until a held one is ready again. */
  async #waitForReady(signal: AbortSignal): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = () => {
        this.#queue.clock.clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#wake = undefined;
        resolve();
      };
      const timer = this.#queue.clock.setTimeout(done, RECEIVE_WAIT_MS);
      signal.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
  }
}
