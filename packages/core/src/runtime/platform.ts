import type { Driver } from '../driver/driver.js';
import type { QueuePlatform } from '../driver/platform.js';
import { ConfigError } from '../errors/config-error.js';
import { DeliveryHandler } from './delivery-handler.js';
import { compose } from './job.js';
import { type Queue, queueRuntime } from './queue.js';

/**
 * The queue's topology, driver and policy, for platform adapters (Lambda, push endpoints): see
 * {@link QueuePlatform}. With `driverType`, the driver is checked to be one (`instanceof`), and a
 * queue of another adapter's broker fails with a ConfigError naming both: a platform handler then
 * takes the queue alone, with no registry to find its driver.
 */
export function platformOf<T>(queue: Queue<T, never>): QueuePlatform<T>;
export function platformOf<T, D extends Driver>(
  queue: Queue<T, never>,
  driverType: abstract new (...args: never[]) => D,
): QueuePlatform<T, D>;
export function platformOf<T>(
  queue: Queue<T, never>,
  driverType?: abstract new (...args: never[]) => Driver,
): QueuePlatform<T> {
  let rt: ReturnType<typeof queueRuntime<T>>;
  try {
    rt = queueRuntime(queue);
  } catch (cause) {
    throw new ConfigError('platformOf() needs a Queue made by broker.queue()', { cause });
  }
  const driver: Driver = rt.driver;
  if (driverType !== undefined && !(driver instanceof driverType)) {
    throw new ConfigError(
      `Queue "${rt.topology.name}" is on a ${rt.driver.name} broker; this needs a ${driverType.name}`,
    );
  }
  return {
    driver,
    topology: rt.topology,
    clock: rt.clock,
    backoff: rt.backoff,
    handlerTimeoutMs: rt.handlerTimeoutMs,
    ensureProvisioned: () => rt.ensureProvisioned(),
    createDeliveryHandler(handler, options = {}) {
      rt.assertOpen('create a delivery handler');
      const handlerTimeoutMs = options.handlerTimeoutMs ?? rt.handlerTimeoutMs;
      return new DeliveryHandler(rt, compose(options.middleware ?? [], handler), handlerTimeoutMs);
    },
  };
}
