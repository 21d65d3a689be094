import type { Delivery } from '../driver/delivery.js';
import type { QueueTopology } from '../driver/queue-topology.js';
import type { Receiver } from '../driver/receiver.js';
import type { MemoryConnection } from './memory-connection.js';
import { MemoryDelivery } from './memory-delivery.js';
import { checkWorkQueueName } from './memory-names.js';
import type { MemoryQueue } from './memory-queue.js';

/** A consumer of one memory queue: takes what is ready, or waits until something is. */
export class MemoryReceiver implements Receiver {
  readonly #driver: MemoryConnection;
  readonly #topology: QueueTopology;
  readonly #leaseMs: number;
  #queue: MemoryQueue | undefined;

  constructor(driver: MemoryConnection, topology: QueueTopology, leaseMs: number) {
    this.#driver = driver;
    this.#topology = topology;
    this.#leaseMs = leaseMs;
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]> {
    if (this.#queue === undefined) {
      checkWorkQueueName(this.#topology);
      this.#queue = this.#driver.queueOrThrow(this.#topology.name);
      this.#queue.receivers++;
    }
    const queue = this.#queue;
    let taken = queue.take(max, this.#driver, this.#leaseMs);
    if (taken.length === 0) taken = await queue.wait(max, this.#driver, this.#leaseMs, signal);
    return taken.map((held) => new MemoryDelivery(this.#driver, queue, this.#topology, held));
  }

  async close(): Promise<void> {
    if (this.#queue === undefined) return;
    this.#queue.receivers--;
    this.#queue = undefined;
  }
}
