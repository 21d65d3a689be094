import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery, Driver, ReceiveBatching, Receiver, ReceiverOptions } from '../src/driver/index.js';
import { type Broker, connect, MemoryServer, sleep, VirtualClock } from '../src/index.js';
import { refillPoint } from '../src/runtime/refill-point.js';
import { delegatingDriver } from './fake-driver.js';

const LEASE_MS = 1_000;

/** A memory driver whose receiver is wrapped by `wrap`, on a virtual clock. */
function setup(wrap: (inner: Receiver, options: ReceiverOptions) => Receiver) {
  const clock = new VirtualClock();
  const server = new MemoryServer({ clock });
  const inner = server.connect();
  const driver: Driver = delegatingDriver(inner, {
    receiver: (queue, options) => wrap(inner.receiver(queue, options), options),
  });
  return { clock, server, driver };
}

let broker: Broker | undefined;
afterEach(async () => {
  await broker?.close({ timeoutMs: 0 });
  broker = undefined;
});

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await yieldToEventLoop();
}

/** Records the `max` of every receive call the worker makes. */
function recording(batching: ReceiveBatching | undefined, calls: number[]) {
  return (inner: Receiver): Receiver => ({
    ...(batching ? { batching } : {}),
    receive: (max, signal) => {
      calls.push(max);
      return inner.receive(max, signal);
    },
    close: () => inner.close(),
  });
}

/** Sends `count` jobs and lets a worker (concurrency 1, prefetch 8) handle them one per 10 ms. */
async function runBacklog(batching: ReceiveBatching | undefined, count = 40): Promise<number[]> {
  const calls: number[] = [];
  const { clock, driver } = setup(recording(batching, calls));
  broker = await connect({ driver });
  const queue = broker.queue('q', { leaseMs: LEASE_MS });
  await queue.sendBatch(Array.from({ length: count }, (_, n) => ({ payload: n })));
  let handled = 0;
  queue.process(
    async () => {
      await sleep(clock, 10);
      handled++;
    },
    { concurrency: 1, prefetch: 8 },
  );
  for (let step = 0; step < 1_000 && handled < count; step++) {
    await settle();
    await clock.advance(10);
  }
  expect(handled).toBe(count);
  return calls;
}

describe('refill point: the worker decides when to receive again, from the receiver batching', () => {
  it('computes refillAt, else min(preferred, half the prefetch), clamped to [1, maxUnsettled]', () => {
    expect(refillPoint(undefined, 8, 9)).toBe(4);
    expect(refillPoint(undefined, 0, 1)).toBe(1);
    expect(refillPoint({ preferred: 2 }, 8, 9)).toBe(2);
    expect(refillPoint({ preferred: 10 }, 100, 116)).toBe(10);
    expect(refillPoint({ preferred: 100 }, 8, 9)).toBe(4);
    expect(refillPoint({ refillAt: 7 }, 8, 9)).toBe(7);
    expect(refillPoint({ refillAt: 50 }, 8, 9)).toBe(9);
    expect(refillPoint({ refillAt: 0, preferred: Number.NaN }, 8, 9)).toBe(4);
  });

  it('without a preference, refills at half the prefetch while the buffer keeps the slot busy', async () => {
    const calls = await runBacklog(undefined);
    expect(calls[0]).toBe(9);
    // Every later call has at least the refill point's room: never one job per receive.
    expect(Math.min(...calls.slice(1))).toBe(4);
  });

  it("uses the receiver's refillAt", async () => {
    const calls = await runBacklog({ refillAt: 6 });
    expect(Math.min(...calls.slice(1))).toBe(6);
  });

  it('with every handler slot busy and the buffer dry, still waits for a refillAt above the prefetch', async () => {
    // concurrency 1, prefetch 8: one job runs, the buffer holds 8. refillAt 9 is reached only once
    // the slot is free too, so no receive is made for less than 9 while the slot is busy.
    const calls = await runBacklog({ refillAt: 9 });
    expect(Math.min(...calls.slice(1))).toBe(9);
  });

  it("refills as soon as the receiver's preferred batch fits", async () => {
    const calls = await runBacklog({ preferred: 2 });
    expect(Math.min(...calls.slice(1))).toBe(2);
    expect(calls.filter((max) => max === 2).length).toBeGreaterThan(5);
  });
});

/** A receiver that holds back the first delivery it sees until `release()` is called. */
function holdingFirst(state: {
  held?: Delivery;
  stop?: (() => void) | undefined;
  extended: number;
  handOut: boolean;
  failExtend?: boolean;
}) {
  return (inner: Receiver, options: ReceiverOptions): Receiver => ({
    async receive(max, signal) {
      if (state.handOut && state.held) {
        const held = state.held;
        state.handOut = false;
        return [held];
      }
      const got = await inner.receive(max, signal);
      if (state.held !== undefined || got.length === 0) return got;
      const [first, ...rest] = got;
      state.held = counting(first!, state);
      state.stop = options.keepLease?.(state.held);
      return rest;
    },
    close: () => inner.close(),
  });
}

/** `delivery`, counting (or failing) its lease extensions. */
function counting(delivery: Delivery, state: { extended: number; failExtend?: boolean }): Delivery {
  return {
    body: delivery.body,
    attributes: delivery.attributes,
    meta: delivery.meta,
    deliveryCount: delivery.deliveryCount,
    native: delivery.native,
    ack: () => delivery.ack(),
    retry: (delayMs, attempt) => delivery.retry(delayMs, attempt),
    deadLetter: (record) => delivery.deadLetter(record),
    release: () => delivery.release(),
    extendLease: (ms) => {
      state.extended++;
      return state.failExtend ? Promise.reject(new Error('extend refused')) : delivery.extendLease(ms);
    },
  };
}

describe('keepLease: core keeps the leases of deliveries a receiver holds back', () => {
  it('extends a held-back delivery on the runtime clock, so no other consumer gets it meanwhile', async () => {
    const state: Parameters<typeof holdingFirst>[0] = { extended: 0, handOut: false };
    const { clock, driver, server } = setup(holdingFirst(state));
    broker = await connect({ driver });
    const queue = broker.queue('q', { leaseMs: LEASE_MS });
    await queue.send('held');
    const handledBy: string[] = [];
    queue.process((job) => void handledBy.push(`first:${String(job.payload)}:${job.attempt}`));
    const other = await connect({ driver: server.connect() });
    other
      .queue('q', { leaseMs: LEASE_MS })
      .process((job) => void handledBy.push(`other:${String(job.payload)}:${job.attempt}`));
    for (let t = 0; t < 5 * LEASE_MS; t += 100) {
      await settle();
      await clock.advance(100);
    }
    expect(state.held).toBeDefined();
    // Five leases held back: extended each time half a lease or less was left.
    expect(state.extended).toBeGreaterThanOrEqual(6);
    expect(handledBy).toEqual([]);
    // Handed out on the next receive (a second job ends the pending one): the worker runs it,
    // keeping the lease as its own, and it is handled once, as attempt 1.
    await other.close({ timeoutMs: 0 });
    state.handOut = true;
    await queue.send('nudge');
    for (let t = 0; t < 3 * LEASE_MS; t += 100) {
      await settle();
      await clock.advance(100);
    }
    expect(handledBy).toEqual(['first:nudge:1', 'first:held:1']);
  });

  it('stops when the receiver says so: the lease then lapses and the job is delivered again', async () => {
    const state: Parameters<typeof holdingFirst>[0] = { extended: 0, handOut: false };
    const { clock, driver } = setup(holdingFirst(state));
    broker = await connect({ driver });
    const queue = broker.queue('q', { leaseMs: LEASE_MS });
    await queue.send('held');
    const attempts: number[] = [];
    queue.process((job) => void attempts.push(job.attempt));
    for (let t = 0; t < 2 * LEASE_MS; t += 100) {
      await settle();
      await clock.advance(100);
    }
    const before = state.extended;
    expect(before).toBeGreaterThan(0);
    state.stop!();
    for (let t = 0; t < 3 * LEASE_MS; t += 100) {
      await settle();
      await clock.advance(100);
    }
    expect(state.extended).toBe(before);
    expect(attempts).toEqual([2]);
  });

  it("reports a failed extension as the worker's error, naming the held-back lease", async () => {
    const state: Parameters<typeof holdingFirst>[0] = { extended: 0, handOut: false, failExtend: true };
    const { clock, driver } = setup(holdingFirst(state));
    broker = await connect({ driver });
    const queue = broker.queue('q', { leaseMs: LEASE_MS });
    await queue.send('held');
    const errors: Error[] = [];
    queue.process(() => undefined).on('error', (error) => errors.push(error));
    for (let t = 0; t < 2 * LEASE_MS; t += 100) {
      await settle();
      await clock.advance(100);
    }
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.message).toMatch(/extend a held-back lease/);
  });
});
