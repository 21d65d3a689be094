import { DelayForwarder } from './delay-forwarder.js';
import { MaxDeliveriesCopier } from './max-deliveries-copier.js';
import type { ReceiverHooks } from './nats-receiver.js';
import type { QueueContext } from './queue-context.js';

interface Running {
  receivers: number;
  readonly forwarder: DelayForwarder;
  readonly copier: MaxDeliveriesCopier;
}

/**
 * The background work of each queue in this process: its delay forwarder and its MAX_DELIVERIES
 * copier. They run while at least one receiver of the queue is open (driver SPI: due jobs only
 * matter to consumers, and every consuming process then helps).
 */
export class QueueServices implements ReceiverHooks {
  readonly #running = new Map<string, Running>();
  readonly #stopping = new Set<Promise<void>>();

  opened(queue: QueueContext): void {
    const name = queue.topology.name;
    let running = this.#running.get(name);
    if (running === undefined) {
      running = {
        receivers: 0,
        forwarder: new DelayForwarder(queue),
        copier: new MaxDeliveriesCopier(queue),
      };
      this.#running.set(name, running);
      running.forwarder.start();
      running.copier.start();
    }
    running.receivers++;
  }

  closed(queue: QueueContext): void {
    const name = queue.topology.name;
    const running = this.#running.get(name);
    if (running === undefined || --running.receivers > 0) return;
    this.#running.delete(name);
    this.#track(stopBoth(running));
  }

  /** Stops everything; resolves when every forwarder has handed back what it held. */
  async stopAll(): Promise<void> {
    for (const running of this.#running.values()) this.#track(stopBoth(running));
    this.#running.clear();
    await Promise.allSettled([...this.#stopping]);
  }

  #track(stopping: Promise<void>): void {
    this.#stopping.add(stopping);
    void stopping.finally(() => this.#stopping.delete(stopping));
  }
}

async function stopBoth(running: Running): Promise<void> {
  await Promise.allSettled([running.forwarder.stop(), running.copier.stop()]);
}
