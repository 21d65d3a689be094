import type { Capabilities } from '../driver/capabilities.js';
import type { DeadLetterStore, StoredDeadLetter } from '../driver/dead-letter-store.js';
import type { Delivery } from '../driver/delivery.js';
import type { Driver } from '../driver/driver.js';
import type { OutgoingMessage, SendOutcome } from '../driver/outgoing-message.js';
import type { QueueStats } from '../driver/queue-stats.js';
import type { QueueTopology } from '../driver/queue-topology.js';
import type { Receiver, ReceiverOptions } from '../driver/receiver.js';
import { ErrorCode } from '../errors/error-code.js';
import type { DeadLetterRecord } from '../wire/job-meta.js';
import { MemoryBrokerError } from './memory-broker-error.js';
import { type MemoryMessage, MemoryNativeMessage } from './memory-message.js';
import { checkWorkQueueName } from './memory-names.js';
import type { InFlight, MemoryQueue } from './memory-queue.js';
import { type MemoryServer, toRaw } from './memory-server.js';

/** One connection to a MemoryServer: the memory adapter's driver. */
export class MemoryDriver implements Driver {
  readonly name = 'memory';
  readonly capabilities: Capabilities;
  readonly server: MemoryServer;
  #state: 'open' | 'closed' | 'dead' = 'open';

  constructor(server: MemoryServer) {
    this.server = server;
    this.capabilities = {
      maxMessageBytes: server.maxMessageBytes,
      maxBatchSize: 10_000,
      maxNativeDelayMs: server.maxNativeDelayMs,
      lease: { expires: true, extendable: true, minMs: 1, maxMs: 12 * 3_600_000 },
      ordering: true,
      dedup: { windowMs: server.dedupWindowMs },
      nativeDeadLetter: false,
      stats: true,
      timing: { granularityMs: 1, toleranceMs: 100 },
    };
  }

  get clock() {
    return this.server.clock;
  }

  /** False once closed or abandoned: settlements from this connection are then no-ops. */
  get alive(): boolean {
    return this.#state === 'open';
  }

  async provision(queue: QueueTopology): Promise<void> {
    this.#assertOpen();
    checkWorkQueueName(queue);
    this.server.create(queue.name);
    this.server.create(queue.deadLetterName);
  }

  async send(topology: QueueTopology, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    checkWorkQueueName(topology);
    const queue = this.#queue(topology.name);
    const outcomes: SendOutcome[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const { body, attributes, meta } = messages[i]!;
      const message: MemoryMessage = { body, attributes, meta, deliveryCount: 0, dueAt: 0 };
      const duplicateOf = queue.enqueue(message);
      this.server.recordSend(topology.name, message);
      outcomes[i] = duplicateOf === undefined ? OK : { ok: true, duplicateOf };
    }
    return outcomes;
  }

  receiver(topology: QueueTopology, options: ReceiverOptions): Receiver {
    return new MemoryReceiver(this, topology, options.leaseMs);
  }

  deadLetters(topology: QueueTopology): DeadLetterStore {
    return new MemoryDeadLetterStore(this, topology);
  }

  async stats(topology: QueueTopology): Promise<QueueStats> {
    const counts = this.#queue(topology.name).counts();
    const dlq = this.server.queue(topology.deadLetterName)?.counts();
    return { ...counts, deadLettered: dlq ? dlq.ready + dlq.delayed + dlq.inFlight : 0 };
  }

  errorCode(error: unknown): ErrorCode {
    return error instanceof MemoryBrokerError ? error.code : ErrorCode.Unknown;
  }

  /** The escape hatch: the MemoryServer itself. */
  native(): MemoryServer {
    return this.server;
  }

  /**
   * A consumer's socket keeps a real client's process alive while it waits for work; the memory
   * broker has no socket, so an open receiver holds this handle instead. Without it, a script
   * whose only pending work is a delayed job would simply exit.
   */
  #keepAlive: NodeJS.Timeout | undefined;
  #openReceivers = 0;

  /** @internal */
  receiverOpened(): void {
    if (this.#openReceivers++ === 0) this.#keepAlive = setInterval(() => {}, 2 ** 30);
  }

  /** @internal */
  receiverClosed(): void {
    if (--this.#openReceivers === 0) this.#releaseKeepAlive();
  }

  #releaseKeepAlive(): void {
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  async close(mode: 'graceful' | 'abandon'): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = mode === 'graceful' ? 'closed' : 'dead';
    this.#releaseKeepAlive();
    for (const name of this.server.queueNames()) {
      const queue = this.server.queue(name)!;
      queue.dropWaiters(this);
      // A graceful disconnect hands unsettled deliveries back at once, as an AMQP channel close
      // does; an abandoned one leaves them for lease expiry, as a crashed process would.
      if (mode === 'graceful') queue.releaseAll(this);
    }
  }

  /** @internal */
  queueOrThrow(name: string): MemoryQueue {
    return this.#queue(name);
  }

  #queue(name: string): MemoryQueue {
    this.#assertOpen();
    const queue = this.server.queue(name);
    if (queue === undefined)
      throw new MemoryBrokerError(`queue "${name}" does not exist`, ErrorCode.NotFound);
    return queue;
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new MemoryBrokerError('connection is closed', ErrorCode.Unavailable);
  }
}

const OK: SendOutcome = Object.freeze({ ok: true });

class MemoryReceiver implements Receiver {
  readonly #driver: MemoryDriver;
  readonly #topology: QueueTopology;
  readonly #leaseMs: number;
  #queue: MemoryQueue | undefined;

  constructor(driver: MemoryDriver, topology: QueueTopology, leaseMs: number) {
    this.#driver = driver;
    this.#topology = topology;
    this.#leaseMs = leaseMs;
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]> {
    if (this.#queue === undefined) {
      checkWorkQueueName(this.#topology);
      this.#queue = this.#driver.queueOrThrow(this.#topology.name);
      this.#queue.receivers++;
      this.#driver.receiverOpened();
    }
    const queue = this.#queue;
    let taken = queue.take(max, this.#driver, this.#leaseMs);
    if (taken.length === 0) taken = await queue.wait(max, this.#driver, this.#leaseMs, signal);
    return taken.map((held) => new MemoryDelivery(this.#driver, queue, this.#topology, held));
  }

  async close(): Promise<void> {
    if (this.#queue === undefined) return;
    this.#queue.receivers--;
    this.#driver.receiverClosed();
    this.#queue = undefined;
  }
}

class MemoryDelivery implements Delivery {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly meta: MemoryMessage['meta'];
  readonly deliveryCount: number;
  readonly #driver: MemoryDriver;
  readonly #queue: MemoryQueue;
  readonly #topology: QueueTopology;
  readonly #held: InFlight;

  constructor(driver: MemoryDriver, queue: MemoryQueue, topology: QueueTopology, held: InFlight) {
    const message = held.message;
    this.body = message.body;
    this.attributes = message.attributes;
    this.meta = message.meta;
    this.deliveryCount = message.deliveryCount;
    this.#driver = driver;
    this.#queue = queue;
    this.#topology = topology;
    this.#held = held;
  }

  get native(): MemoryNativeMessage {
    return new MemoryNativeMessage(this.#queue.name, this.#held.message, this.deliveryCount);
  }

  async ack(): Promise<void> {
    if (this.#current()) this.#queue.ack(this.#held.tag);
  }

  async retry(delayMs: number): Promise<void> {
    if (this.#current()) this.#queue.retry(this.#held.tag, delayMs);
  }

  async deadLetter(record: DeadLetterRecord): Promise<void> {
    if (!this.#current()) return;
    const dlq = this.#driver.server.create(this.#topology.deadLetterName);
    const message = this.#queue.remove(this.#held.tag)!;
    dlq.enqueue({ ...message, deliveryCount: 0, dueAt: 0, deadLetter: record }, { dedup: false });
  }

  async release(): Promise<void> {
    if (this.#current()) this.#queue.release(this.#held.tag);
  }

  async extendLease(leaseMs: number): Promise<void> {
    if (this.#current()) this.#queue.extend(this.#held.tag, leaseMs);
  }

  /** Settling twice, after lease expiry, or on a dead connection is a no-op (SPI contract). */
  #current(): boolean {
    return this.#driver.alive && this.#queue.holds(this.#held.tag, this.#driver);
  }
}

class MemoryDeadLetterStore implements DeadLetterStore {
  readonly #driver: MemoryDriver;
  readonly #topology: QueueTopology;

  constructor(driver: MemoryDriver, topology: QueueTopology) {
    this.#driver = driver;
    this.#topology = topology;
  }

  async peek(limit: number): Promise<readonly StoredDeadLetter[]> {
    const letters: StoredDeadLetter[] = [];
    for (const message of this.#dlq().readyMessages()) {
      if (letters.length >= limit) break;
      letters.push({
        body: message.body,
        attributes: message.attributes,
        meta: message.meta,
        ...(message.deadLetter ? { record: message.deadLetter } : {}),
        native: toRaw(message),
      });
    }
    return letters;
  }

  /**
   * Moves up to `limit` jobs back. A job id already moved by this call is not moved twice: the
   * memory broker has no dedup id for dead-letter copies, so a duplicate copy (left by a crash
   * between copy and ack, or published raw) is dropped instead of running the job again.
   */
  async redrive(limit = Number.POSITIVE_INFINITY): Promise<number> {
    const dlq = this.#dlq();
    const seen = new Set<string>();
    const moved: MemoryMessage[] = [];
    while (moved.length < limit) {
      const [message] = dlq.takeStored(1);
      if (message === undefined) break;
      if (seen.has(message.meta.id)) continue;
      seen.add(message.meta.id);
      moved.push(message);
    }
    for (const message of moved) {
      const target = this.#driver.server.create(message.deadLetter?.sourceQueue || this.#topology.name);
      const { deadLetter: _, ...rest } = message;
      target.enqueue(
        { ...rest, meta: { ...message.meta, attemptOffset: 0 }, deliveryCount: 0, dueAt: 0 },
        { dedup: false },
      );
    }
    return moved.length;
  }

  async purge(): Promise<number> {
    return this.#dlq().purge();
  }

  #dlq(): MemoryQueue {
    return this.#driver.queueOrThrow(this.#topology.deadLetterName);
  }
}
