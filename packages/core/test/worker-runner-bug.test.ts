import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../src/driver/index.js';
import { type Broker, connect, MemoryServer, VirtualClock } from '../src/index.js';
import { mappingReceives } from './fake-driver.js';

let broker: Broker | undefined;
afterEach(() => broker?.close());

/**
 * A memory driver whose first delivery is broken the way only a bug breaks one: reading its meta
 * throws, outside every path the runner expects to fail (decode errors, handler errors).
 */
function firstDeliveryBroken(clock: VirtualClock) {
  let broken = false;
  return mappingReceives(new MemoryServer({ clock }).connect(), (deliveries) => {
    if (broken || deliveries.length === 0) return deliveries;
    broken = true;
    const [first, ...rest] = deliveries as [Delivery, ...Delivery[]];
    const bad = Object.create(first, {
      meta: {
        get() {
          throw new TypeError('driver bug: no meta');
        },
      },
    }) as Delivery;
    return [bad, ...rest];
  });
}

describe('worker: a bug while handling a delivery', () => {
  it('is reported on the error event, frees its handler slot, and leaves the job unsettled for redelivery', async () => {
    const clock = new VirtualClock();
    broker = await connect({ driver: firstDeliveryBroken(clock) });
    const queue = broker.queue<{ n: number }>('q', { leaseMs: 1_000 });
    await queue.sendBatch([{ payload: { n: 1 } }, { payload: { n: 2 } }]);
    const handled: number[] = [];
    const errors: Error[] = [];
    // One slot: if the broken delivery kept it, nothing else would ever run.
    const worker = queue.process(
      async (job) => {
        handled.push(job.payload.n);
      },
      { concurrency: 1, prefetch: 0 },
    );
    worker.on('error', (error) => errors.push(error));
    for (let i = 0; i < 50 && handled.length < 2; i++) await clock.advance(100);
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining('handle a delivery')]);
    expect(errors[0]!.message).toContain('driver bug: no meta');
    // The broken delivery was not acked: its lease lapsed and job 1 came again, whole.
    expect(handled.sort()).toEqual([1, 2]);
    expect(worker.active).toBe(0);
    await worker.close();
  });
});
