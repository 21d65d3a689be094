import type { Clock, ForwarderSource, HandBackReason, SendOutcome } from '../../src/driver/index.js';

export interface Msg {
  readonly id: string;
  readonly due: number;
}

/**
 * An in-memory delay path for the forwarder tests. A message held back comes back into `available`
 * when its remaining time has passed on the clock, as a broker's NAK-with-delay would; a message
 * handed back is available at once. Every call is logged with the clock's time.
 */
export class FakeDelayPath implements ForwarderSource<Msg> {
  readonly available: Msg[] = [];
  readonly log: string[] = [];
  readonly published: { id: string; at: number }[] = [];
  readonly acked: string[] = [];
  readonly handedBack: string[] = [];
  readonly pullTimes: number[] = [];
  /** Pulls to fail before the next succeeds. */
  pullFailures = 0;
  /** The outcome of each published message; ok by default. */
  outcome: (message: Msg) => SendOutcome = () => ({ ok: true });
  /** Whole publish calls to fail (reject) before the next succeeds. */
  publishFailures = 0;
  /** When true, what is handed back is available to the next pull at once. */
  returnHandedBack = false;
  /** When set, publish waits for this before answering. */
  gate: Promise<void> | undefined;
  /** When set, pull waits for this before taking what is available. */
  pullGate: Promise<void> | undefined;
  /** When each publish call was made, failed or not. */
  readonly publishTimes: number[] = [];
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  add(id: string, dueInMs: number): Msg {
    const message = { id, due: this.#clock.now() + dueInMs };
    this.available.push(message);
    return message;
  }

  async pull(max: number, _signal: AbortSignal): Promise<readonly Msg[]> {
    this.pullTimes.push(this.#clock.now());
    if (this.pullFailures > 0) {
      this.pullFailures--;
      throw new Error('delay path down');
    }
    await this.pullGate;
    return this.available.splice(0, max);
  }

  dueAt(message: Msg): number {
    return message.due;
  }

  key(message: Msg): string {
    return message.id;
  }

  async holdBack(message: Msg, remainingMs: number): Promise<void> {
    this.log.push(`holdBack ${message.id} ${remainingMs}`);
    this.#clock.setTimeout(() => this.available.push(message), remainingMs);
  }

  async protect(message: Msg, remainingMs: number): Promise<void> {
    this.log.push(`protect ${message.id} ${remainingMs}`);
  }

  async publish(messages: readonly Msg[]): Promise<readonly SendOutcome[]> {
    this.publishTimes.push(this.#clock.now());
    await this.gate;
    if (this.publishFailures > 0) {
      this.publishFailures--;
      throw new Error('work queue unreachable');
    }
    for (const message of messages) {
      this.published.push({ id: message.id, at: this.#clock.now() });
      this.log.push(`publish ${message.id}`);
    }
    return messages.map((message) => this.outcome(message));
  }

  async ack(messages: readonly Msg[]): Promise<void> {
    for (const message of messages) this.acked.push(message.id);
  }

  async handBack(messages: readonly Msg[], reason: HandBackReason): Promise<void> {
    for (const message of messages) this.handedBack.push(`${message.id} (${reason})`);
    if (this.returnHandedBack) this.available.push(...messages);
  }
}
