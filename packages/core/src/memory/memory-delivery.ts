import type { Delivery } from '../driver/delivery.js';
import type { QueueTopology } from '../driver/queue-topology.js';
import type { DeadLetterRecord } from '../wire/job-meta.js';
import type { InFlight } from './in-flight.js';
import type { MemoryConnection } from './memory-connection.js';
import { type MemoryMessage, MemoryNativeMessage } from './memory-message.js';
import type { MemoryQueue } from './memory-queue.js';

/** One message handed to a consumer, settled through its in-flight entry on the queue it came from. */
export class MemoryDelivery implements Delivery {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly meta: MemoryMessage['meta'];
  readonly deliveryCount: number;
  readonly #driver: MemoryConnection;
  readonly #queue: MemoryQueue;
  readonly #topology: QueueTopology;
  readonly #held: InFlight;

  constructor(driver: MemoryConnection, queue: MemoryQueue, topology: QueueTopology, held: InFlight) {
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

  /** Done when it returns: nothing to wait for (see Delivery.ack). */
  ack(): undefined {
    if (this.#current()) this.#queue.ack(this.#held);
    return undefined;
  }

  async retry(delayMs: number): Promise<void> {
    if (this.#current()) this.#queue.retry(this.#held, delayMs);
  }

  async deadLetter(record: DeadLetterRecord): Promise<void> {
    if (!this.#current()) return;
    const dlq = this.#driver.server.create(this.#topology.deadLetterName);
    const message = this.#queue.remove(this.#held)!;
    dlq.enqueue({ ...message, deliveryCount: 0, dueAt: 0, deadLetter: record }, { dedup: false });
  }

  async release(): Promise<void> {
    if (this.#current()) this.#queue.release(this.#held);
  }

  async extendLease(leaseMs: number): Promise<void> {
    if (this.#current()) this.#queue.extend(this.#held, leaseMs);
  }

  /** Settling twice, after lease expiry, or on a dead connection is a no-op (SPI contract). */
  #current(): boolean {
    return this.#driver.alive && this.#queue.holds(this.#held, this.#driver);
  }
}
