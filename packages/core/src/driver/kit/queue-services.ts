import type { QueueTopology } from '../queue-topology.js';
import { PendingWork } from './pending-work.js';

/** Background work of one queue: a forwarder, a copier... */
export interface QueueService {
  start(): void;
  /** Never rejects. */
  stop(mode: 'graceful' | 'abandon'): Promise<void>;
}

interface Running {
  receivers: number;
  readonly services: readonly QueueService[];
}

/**
 * The background work of each queue in this process, ref-counted by its open receivers: it runs
 * while at least one receiver of the queue is open (driver SPI: due jobs only matter to consumers,
 * and every consuming process then helps), and stops gracefully when the last one closes.
 */
export class QueueServices {
  readonly #create: (queue: QueueTopology) => readonly QueueService[];
  readonly #running = new Map<string, Running>();
  readonly #stopping = new PendingWork();

  constructor(create: (queue: QueueTopology) => readonly QueueService[]) {
    this.#create = create;
  }

  /**
   * A receiver of `queue` opened: starts the queue's services on the first. Returns the release
   * to call when that receiver closes; calling it again does nothing, so a double close cannot
   * stop the services under another receiver.
   */
  acquire(queue: QueueTopology): () => void {
    let running = this.#running.get(queue.name);
    if (running === undefined) {
      running = { receivers: 0, services: this.#create(queue) };
      this.#running.set(queue.name, running);
      for (const service of running.services) service.start();
    }
    running.receivers++;
    const mine = running;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Stopped already by stopAll (driver close), or a newer generation runs under this name.
      if (this.#running.get(queue.name) !== mine || --mine.receivers > 0) return;
      this.#running.delete(queue.name);
      this.#track(stopEach(mine.services, 'graceful'));
    };
  }

  /** Driver close: stops every service (and waits for those already stopping). */
  async stopAll(mode: 'graceful' | 'abandon'): Promise<void> {
    for (const running of this.#running.values()) this.#track(stopEach(running.services, mode));
    this.#running.clear();
    await this.#stopping.idle();
  }

  #track(stopping: Promise<void>): void {
    this.#stopping.track(stopping);
  }
}

async function stopEach(services: readonly QueueService[], mode: 'graceful' | 'abandon'): Promise<void> {
  await Promise.allSettled(services.map((service) => service.stop(mode)));
}
