import { afterEach, describe, expect, it } from 'vitest';
import {
  type Broker,
  connect,
  createOutboxRelay,
  type Logger,
  MemoryServer,
  type OutboxRelay,
  type RelayBatch,
  VirtualClock,
} from '../src/index.js';
import { delegatingDriver } from './fake-driver.js';

const quiet: Logger = { warn: () => undefined, error: () => undefined };
const open: (Broker | OutboxRelay)[] = [];

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close({ timeoutMs: 1_000 });
});

async function memory(clock?: VirtualClock): Promise<Broker> {
  const broker = await connect({ driver: new MemoryServer(clock ? { clock } : {}).connect(), logger: quiet });
  open.push(broker);
  return broker;
}

async function relay(...args: Parameters<typeof createOutboxRelay>): Promise<OutboxRelay> {
  const created = await createOutboxRelay(...args);
  open.push(created); // closed before the brokers it relays between (made earlier)
  return created;
}

async function sendMany(broker: Broker, name: string, count: number, from = 0): Promise<void> {
  const items = Array.from({ length: count }, (_, i) => ({ payload: { n: from + i } }));
  const results = await broker.queue(name).sendBatch(items);
  expect(results.every((result) => result.ok)).toBe(true);
}

/** Waits (real time, bounded) until `check` holds. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Lets every pending promise of a virtual-clock world run, without moving time. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function ready(broker: Broker, name: string): Promise<number | undefined> {
  return (await broker.queue(name).stats()).ready;
}

describe('createOutboxRelay', () => {
  it('relays what is sent, then follows the outbox: jobs sent later go too', async () => {
    const [outbox, target] = [await memory(), await memory()];
    await sendMany(outbox, 'orders', 50);
    const r = await relay({ from: outbox, to: target, queues: ['orders'] });
    await until(async () => (await ready(target, 'orders')) === 50, '50 relayed');
    // Idle well past move's default drain window: the relay is still there.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await sendMany(outbox, 'orders', 10, 50);
    await until(async () => (await ready(target, 'orders')) === 60, '60 relayed');
    const stats = (await r.stats()).orders;
    expect(stats).toMatchObject({ relayed: 60, failures: 0, ready: 0, inFlight: 0 });
  });

  it("'all' relays every queue the outbox lists", async () => {
    const [outbox, target] = [await memory(), await memory()];
    await sendMany(outbox, 'a', 3);
    await sendMany(outbox, 'b', 4);
    const r = await relay({ from: outbox, to: target });
    expect(r.queues).toEqual(['a', 'b']);
    await until(async () => (await ready(target, 'a')) === 3 && (await ready(target, 'b')) === 4, 'both');
  });

  it('a target refusal is reported and retried after the backoff; nothing is lost', async () => {
    const clock = new VirtualClock();
    const outbox = await memory(clock);
    const inner = new MemoryServer({ clock }).connect();
    let sends = 0;
    const target = await connect({
      logger: quiet,
      driver: delegatingDriver(inner, {
        send: async (queue, messages) => {
          if (++sends <= 2) throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
          return inner.send(queue, messages);
        },
      }),
    });
    open.push(target);
    const brokerErrors: string[] = [];
    outbox.on('error', (error, info) => brokerErrors.push(`${info.action} ${info.queue}: ${error.message}`));
    await sendMany(outbox, 'q', 5);
    const r = await relay({ from: outbox, to: target, queues: ['q'] });
    const errors: string[] = [];
    r.on('error', (error, { queue }) => errors.push(`${queue}: ${error.message}`));

    await settle();
    expect(sends).toBe(1);
    expect(await ready(outbox, 'q')).toBe(5); // released, not lost
    await clock.advance(249);
    await settle();
    expect(sends).toBe(1); // the first backoff step is 250 ms
    await clock.advance(1);
    await settle();
    expect(sends).toBe(2);
    await clock.advance(500); // doubled
    await settle();
    expect(sends).toBe(3);
    expect(await ready(target, 'q')).toBe(5);
    expect(await outbox.queue('q').stats()).toMatchObject({ ready: 0, inFlight: 0 });
    expect(errors).toEqual([
      expect.stringMatching(/^q: .*connection refused/),
      expect.stringMatching(/^q: /),
    ]);
    expect(brokerErrors).toHaveLength(2);
    expect(brokerErrors[0]).toMatch(/^relay q: .*connection refused/);
    expect((await r.stats()).q).toMatchObject({ relayed: 5, failures: 2 });
  });

  it('close lets the batch under way finish and hands the rest back to the outbox', async () => {
    const outbox = await memory();
    const inner = new MemoryServer().connect();
    let opened!: () => void;
    const gate = new Promise<void>((resolve) => (opened = resolve));
    let entered = false;
    const target = await connect({
      logger: quiet,
      driver: delegatingDriver(inner, {
        send: async (queue, messages) => {
          entered = true;
          await gate;
          return inner.send(queue, messages);
        },
      }),
    });
    open.push(target);
    await sendMany(outbox, 'q', 1_000);
    const r = await relay({ from: outbox, to: target, queues: ['q'] });
    await until(() => entered, 'a send under way');
    const closed = r.close();
    opened();
    await closed;
    const relayed = (await ready(target, 'q')) ?? 0;
    expect(relayed).toBeGreaterThan(0);
    expect(await outbox.queue('q').stats()).toMatchObject({ ready: 1_000 - relayed, inFlight: 0 });
  });

  it('close is bounded by its timeout and says so when a send never returns', async () => {
    const outbox = await memory();
    const inner = new MemoryServer().connect();
    const target = await connect({
      logger: quiet,
      driver: delegatingDriver(inner, { send: () => new Promise(() => undefined) }),
    });
    open.push(target);
    await sendMany(outbox, 'q', 10);
    const r = await relay({ from: outbox, to: target, queues: ['q'] });
    const errors: string[] = [];
    r.on('error', (error) => errors.push(error.message));
    await until(async () => (await outbox.queue('q').stats()).inFlight === 10, 'jobs held');
    await r.close({ timeoutMs: 100 });
    expect(errors).toEqual([expect.stringMatching(/close timed out after 100 ms/)]);
  });

  it('two relays on one outbox: every job arrives once', async () => {
    const [outbox, target] = [await memory(), await memory()];
    await sendMany(outbox, 'q', 2_000);
    const relays = [
      await relay({ from: outbox, to: target, queues: ['q'] }),
      await relay({ from: outbox, to: target, queues: ['q'] }),
    ];
    await until(async () => (await ready(target, 'q')) === 2_000, '2000 relayed');
    const counts = await Promise.all(relays.map(async (r) => (await r.stats()).q?.relayed ?? 0));
    expect(counts[0]! + counts[1]!).toBe(2_000);
    const seen = new Set<number>();
    await new Promise<void>((resolve) => {
      target.queue<{ n: number }>('q').process(
        async (job) => {
          seen.add(job.payload.n);
          if (seen.size === 2_000) resolve();
        },
        { concurrency: 16 },
      );
    });
    expect(seen.size).toBe(2_000);
  });

  it('lag: now − enqueuedAt of the newest job of the batch, in stats and the batch event', async () => {
    const clock = new VirtualClock();
    const [outbox, target] = [await memory(clock), await memory(clock)];
    await sendMany(outbox, 'q', 1);
    await clock.advance(4_000);
    await sendMany(outbox, 'q', 1, 1);
    await clock.advance(1_000);
    const r = await relay({ from: outbox, to: target, queues: ['q'] });
    const batches: RelayBatch[] = [];
    r.on('batch', (batch) => batches.push(batch));
    await settle();
    expect(batches).toEqual([{ queue: 'q', count: 2, relayed: 2, lagMs: 1_000, maxLagMs: 5_000 }]);
    expect((await r.stats()).q).toMatchObject({ relayed: 2, lagMs: 1_000, lastRelayedAt: clock.now() });
  });

  it('keeps the order of each ordering key', async () => {
    const [outbox, target] = [await memory(), await memory()];
    const keys = ['k0', 'k1', 'k2'];
    const items = Array.from({ length: 300 }, (_, n) => ({
      payload: { key: keys[n % 3]!, n },
      options: { orderingKey: keys[n % 3]! },
    }));
    expect((await outbox.queue('q').sendBatch(items)).every((result) => result.ok)).toBe(true);
    await relay({ from: outbox, to: target, queues: ['q'] });
    await until(async () => (await ready(target, 'q')) === 300, '300 relayed');
    const order: Record<string, number[]> = { k0: [], k1: [], k2: [] };
    await new Promise<void>((resolve) => {
      let got = 0;
      target.queue<{ key: string; n: number }>('q').process(
        async (job) => {
          order[job.payload.key]?.push(job.payload.n);
          if (++got === 300) resolve();
        },
        { concurrency: 8 },
      );
    });
    for (const key of keys) expect(order[key]).toEqual([...(order[key] ?? [])].sort((x, y) => x - y));
  });

  it('a target broker closed under the relay is reported, and that queue stops', async () => {
    const clock = new VirtualClock();
    const [outbox, target] = [await memory(clock), await memory(clock)];
    const r = await relay({ from: outbox, to: target, queues: ['q'] });
    const errors: string[] = [];
    r.on('error', (error) => errors.push(`${error.name}: ${error.message}`));
    await target.close();
    await sendMany(outbox, 'q', 1); // ends the move's wait: its batch meets the closed target
    await settle();
    await clock.advance(60_000); // many backoff steps, were it retrying
    await settle();
    // The batch's send meets the closed connection; the next run finds the broker closed and stops.
    expect(errors).toEqual([
      expect.stringMatching(/^BrokerError: .*send/),
      expect.stringMatching(/^ClosedError/),
    ]);
    expect(await outbox.queue('q').stats()).toMatchObject({ ready: 1, inFlight: 0 });
  });

  it('rejects bad options with a ConfigError', async () => {
    const [outbox, target] = [await memory(), await memory()];
    await expect(createOutboxRelay({ from: outbox, to: outbox })).rejects.toThrow(/two brokers/);
    await expect(createOutboxRelay({ from: outbox, to: target, ratePerSecond: 0 })).rejects.toThrow(
      /ratePerSecond/,
    );
    await expect(createOutboxRelay({ from: outbox, to: target, queues: [] })).rejects.toThrow(/at least one/);
  });
});
