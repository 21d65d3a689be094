import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../src/driver/index.js';
import { type Broker, connect, MemoryServer, VirtualClock } from '../src/index.js';
import { delegatingDriver } from './fake-driver.js';

let broker: Broker | undefined;
afterEach(() => broker?.close());

/**
 * A memory driver whose acks are on the wire until the test lets them land, as a broker's acks
 * are for a round trip: each ack is done (on the memory queue) only when `land()` is called.
 */
function slowAcks(clock: VirtualClock) {
  const inner = new MemoryServer({ clock }).connect();
  const onTheWire: (() => void)[] = [];
  const received: number[] = [];
  const driver = delegatingDriver(inner, {
    receiver: (queue, options) => {
      const receiver = inner.receiver(queue, options);
      return {
        ...receiver,
        receive: async (max, signal) => {
          const deliveries = await receiver.receive(max, signal);
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
        },
        close: () => receiver.close(),
      };
    },
  });
  const land = async () => {
    for (const ack of onTheWire.splice(0)) ack();
    await clock.advance(0);
  };
  return { driver, onTheWire, received, land };
}

async function started(clock: VirtualClock, handled: readonly number[], count: number): Promise<void> {
  for (let i = 0; i < 50 && handled.length < count; i++) await clock.advance(10);
}

describe('worker: settlements on the wire', () => {
  it('free the handler slot once the handler returned: the next job runs before the first ack lands (F1)', async () => {
    const clock = new VirtualClock();
    const { driver, onTheWire, land } = slowAcks(clock);
    broker = await connect({ driver });
    const queue = broker.queue<{ n: number }>('q');
    await queue.sendBatch([{ payload: { n: 1 } }, { payload: { n: 2 } }]);
    const handled: number[] = [];
    const worker = queue.process(
      async (job) => {
        handled.push(job.payload.n);
      },
      { concurrency: 1, prefetch: 1 },
    );
    await started(clock, handled, 2);
    expect(handled).toEqual([1, 2]);
    expect(onTheWire).toHaveLength(2);
    expect(worker.active).toBe(0);
    await land();
    expect(await queue.stats()).toMatchObject({ ready: 0, inFlight: 0 });
  });

  it('still count against concurrency + prefetch: nothing more is received until acks land (F2)', async () => {
    const clock = new VirtualClock();
    const { driver, onTheWire, received, land } = slowAcks(clock);
    broker = await connect({ driver });
    const queue = broker.queue<{ n: number }>('q');
    await queue.sendBatch([1, 2, 3, 4, 5].map((n) => ({ payload: { n } })));
    const handled: number[] = [];
    queue.process(
      async (job) => {
        handled.push(job.payload.n);
      },
      { concurrency: 1, prefetch: 1 },
    );
    await started(clock, handled, 5);
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
    const clock = new VirtualClock();
    const { driver, onTheWire, land } = slowAcks(clock);
    broker = await connect({ driver });
    const queue = broker.queue<{ n: number }>('q');
    await queue.sendBatch([{ payload: { n: 1 } }, { payload: { n: 2 } }]);
    const handled: number[] = [];
    const worker = queue.process(
      async (job) => {
        handled.push(job.payload.n);
      },
      { concurrency: 2 },
    );
    await started(clock, handled, 2);
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
