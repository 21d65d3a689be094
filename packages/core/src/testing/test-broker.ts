import type { Clock } from '../clock/clock.js';
import { systemClock } from '../clock/system-clock.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import { sleep } from '../driver/kit/sleep.js';
import { MemoryServer } from '../memory/memory-server.js';
import type { Broker } from '../runtime/broker.js';
import { connect } from '../runtime/connect.js';
import type { Logger } from '../runtime/logger.js';
import { jsonSerializer } from '../serialization/json-serializer.js';
import type { Serializer } from '../serialization/serializer.js';
import type { DeadLetterRecord } from '../wire/job-meta.js';
import { drainUntilIdle } from './drain.js';

export interface TestBrokerOptions {
  /** Run on a virtual clock (default) or in real time. */
  readonly time?: 'virtual' | 'real';
  /** Queues are created on first use (default true). */
  readonly provision?: boolean;
  readonly maxMessageBytes?: number;
  readonly maxNativeDelayMs?: number;
  readonly dedupWindowMs?: number;
  readonly serializer?: Serializer;
  readonly logger?: Logger;
}

/** A job as it was sent, for assertions: "did my code enqueue the welcome email?" */
export interface SentJob<T = unknown> {
  readonly id: string;
  readonly payload: T;
  readonly attributes: Readonly<Record<string, string>>;
  /** When it was first due (epoch ms); absent when sent without a delay. */
  readonly notBefore?: number;
  readonly orderingKey?: string;
  readonly dedupId?: string;
}

export interface DeadJob<T = unknown> {
  readonly id: string;
  readonly payload: T | undefined;
  readonly attributes: Readonly<Record<string, string>>;
  readonly record: DeadLetterRecord | undefined;
}

/**
 * An isolated in-memory broker for your unit tests, in the spirit of Laravel's Queue::fake() and
 * Sidekiq's testing modes, but real: jobs actually run through your handlers, retries and dead
 * letters included. On the virtual clock (the default) a week of backoff passes in milliseconds.
 *
 *   const t = await createTestBroker();
 *   const emails = t.broker.queue('emails');
 *   emails.process(sendEmail);
 *   await signUp('a@b.c');                 // your code, which sends a job
 *   await t.drain();                       // run until nothing is left to do
 *   expect(t.sent('emails')).toHaveLength(1);
 *   expect(t.deadLetters('emails')).toEqual([]);
 */
export class TestBroker {
  readonly broker: Broker;
  readonly server: MemoryServer;
  /** The virtual clock, or undefined in real time. */
  readonly clock: VirtualClock | undefined;
  readonly #serializer: Serializer;
  readonly #options: TestBrokerOptions;

  private constructor(
    broker: Broker,
    server: MemoryServer,
    clock: VirtualClock | undefined,
    options: TestBrokerOptions,
  ) {
    this.broker = broker;
    this.server = server;
    this.clock = clock;
    this.#serializer = options.serializer ?? jsonSerializer;
    this.#options = options;
  }

  static async create(options: TestBrokerOptions = {}): Promise<TestBroker> {
    const clock = options.time === 'real' ? undefined : new VirtualClock();
    const server = new MemoryServer({
      ...(clock ? { clock } : {}),
      recordSends: true,
      ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
      ...(options.maxNativeDelayMs !== undefined ? { maxNativeDelayMs: options.maxNativeDelayMs } : {}),
      ...(options.dedupWindowMs !== undefined ? { dedupWindowMs: options.dedupWindowMs } : {}),
    });
    const broker = await TestBroker.#connect(server, options);
    return new TestBroker(broker, server, clock, options);
  }

  static #connect(server: MemoryServer, options: TestBrokerOptions): Promise<Broker> {
    return connect({
      driver: server.connect(),
      ...(options.provision !== undefined ? { provision: options.provision } : {}),
      ...(options.serializer ? { serializer: options.serializer } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  /** Another connection to the same in-memory broker: a second process, as far as jobs can tell. */
  connect(overrides: Pick<TestBrokerOptions, 'provision'> = {}): Promise<Broker> {
    return TestBroker.#connect(this.server, { ...this.#options, ...overrides });
  }

  /** The clock everything here runs on. */
  get time(): Clock {
    return this.clock ?? systemClock;
  }

  /** Every job sent to `queue` so far, decoded, in send order. */
  sent<T = unknown>(queue: string): SentJob<T>[] {
    return this.server.sentTo(queue).map((message) => ({
      id: message.meta.id,
      payload: this.#serializer.deserialize(message.body) as T,
      attributes: message.attributes,
      ...(message.meta.notBefore !== undefined ? { notBefore: message.meta.notBefore } : {}),
      ...(message.meta.orderingKey !== undefined ? { orderingKey: message.meta.orderingKey } : {}),
      ...(message.meta.dedupId !== undefined ? { dedupId: message.meta.dedupId } : {}),
    }));
  }

  /** The dead letters of `queue` (in `<queue>.dlq` unless you named another), decoded. */
  deadLetters<T = unknown>(queue: string, deadLetterQueue = `${queue}.dlq`): DeadJob<T>[] {
    const dlq = this.server.queue(deadLetterQueue);
    if (!dlq) return [];
    return [...dlq.readyMessages()].map((message) => {
      let payload: T | undefined;
      try {
        payload = this.#serializer.deserialize(message.body) as T;
      } catch {
        payload = undefined;
      }
      return { id: message.meta.id, payload, attributes: message.attributes, record: message.deadLetter };
    });
  }

  /** Moves time forward: instantly on the virtual clock, by really waiting otherwise. */
  async advance(ms: number): Promise<void> {
    if (this.clock) await this.clock.advance(ms);
    else await sleep(systemClock, ms);
  }

  /**
   * Runs until no queue with a worker has anything ready, delayed or in flight: every delay,
   * backoff and retry plays out. Rejects if that does not happen within `maxMs` of broker time
   * (default 30 days virtual, 10 s real), with what is still pending.
   */
  drain(options: { maxMs?: number } = {}): Promise<void> {
    return drainUntilIdle(this.server, this.clock, options.maxMs);
  }

  /**
   * Tears down without waiting: handlers still running are aborted and their jobs released, so an
   * `afterEach(() => t.close())` never hangs on a job stuck in virtual time. Call `drain()` first
   * to let work finish.
   */
  close(options: { timeoutMs?: number } = { timeoutMs: 0 }): Promise<void> {
    return this.broker.close(options);
  }
}

export function createTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  return TestBroker.create(options);
}
