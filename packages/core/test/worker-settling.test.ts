import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../src/driver/index.js';
import { type Broker, connect, MemoryServer, VirtualClock, type WorkerOptions } from '../src/index.js';
import { mappingReceives } from './fake-driver.js';

let broker: Broker | undefined;
afterEach(() => broker?.close());

/**
 * A memory broker whose acks are on the wire until the test lets them land, as a broker's acks
 * are for a round trip: each ack is done (on the memory queue) only when `land()` is called. It
 * holds `jobs` jobs, and a worker with `options` records each handled job's number.
 */
async function slowAcks(jobs: number, options: WorkerOptions) {
  const clock = new VirtualClock();
  const onTheWire: (() => void)[] = [];
  const received: number[] = [];
  const driver = mappingReceives(new MemoryServer({ clock }).connect(), (deliveries) => {
    received.push(deliveries.length);
    return deliveries.map(
      (delivery): Delivery => ({
        body: delivery.body,
        attributes: delivery.attributes,
        meta: delivery.meta,
        deliveryCount: delivery.deliveryCount,
        native: delivery.native,
        ack: () =>
          new Promise<void>((resolve) =>
            onTheWire.push(() => {
              delivery.ack();
              resolve();
            }),
          ),
        retry: (delayMs, attempt) => delivery.retry(delayMs, attempt),
        deadLetter: (record) => delivery.deadLetter(record),
        release: () => delivery.release(),
        extendLease: (leaseMs) => delivery.extendLease(leaseMs),
      }),
    );
  });
  broker = await connect({ driver });
  const queue = broker.queue<{ n: number }>('q');
  await queue.sendBatch(Array.from({ length: jobs }, (_, i) => ({ payload: { n: i + 1 } })));
  const handled: number[] = [];
  const worker = queue.process(async (job) => {
    handled.push(job.payload.n);
  }, options);
  const land = async () => {
    for (const ack of onTheWire.splice(0)) ack();
    await clock.advance(0);
  };
  /** Advances the clock until `count` jobs were handled (or 500 ms passed). */
  const handledUpTo = async (count: number) => {
    for (let i = 0; i < 50 && handled.length < count; i++) await clock.advance(10);
  };
  return { clock, queue, worker, handled, onTheWire, received, land, handledUpTo };
}

describe('worker: settlements on the wire', () => {
  it('free the handler slot once the handler returned: the next job runs before the first ack lands (F1)', async () => {
    const { queue, worker, handled, onTheWire, land, handledUpTo } = await slowAcks(2, {
      concurrency: 1,
      prefetch: 1,
    });
    await handledUpTo(2);
    expect(handled).toEqual([1, 2]);
    expect(onTheWire).toHaveLength(2);
    expect(worker.active).toBe(0);
    await land();
    expect(await queue.stats()).toMatchObject({ ready: 0, inFlight: 0 });
  });

  it('still count against concurrency + prefetch: nothing more is received until acks land (F2)', async () => {
    const { clock, handled, onTheWire, received, land, handledUpTo } = await slowAcks(5, {
      concurrency: 1,
      prefetch: 1,
    });
    await handledUpTo(5);
    expect(handled).toEqual([1, 2]);
    expect(received.reduce((sum, n) => sum + n, 0)).toBe(2);
    for (let i = 0; i < 10 && handled.length < 5; i++) {
      await land();
      await clock.advance(10);
    }
    expect(handled).toEqual([1, 2, 3, 4, 5]);
    await land();
    expect(onTheWire).toHaveLength(0);
  });

  it('are waited for by close(), which resolves once they land, with the jobs acked', async () => {
    const { clock, queue, worker, onTheWire, land, handledUpTo } = await slowAcks(2, { concurrency: 2 });
    await handledUpTo(2);
    expect(onTheWire).toHaveLength(2);
    let closed = false;
    const closing = worker.close().then(() => {
      closed = true;
    });
    await clock.advance(1_000);
    expect(closed).toBe(false);
    await land();
    await closing;
    expect(await queue.stats()).toMatchObject({ ready: 0, inFlight: 0 });
  });
});
