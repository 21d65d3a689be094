import { describe, expect, it } from 'vitest';
import { type Broker, connect, MemoryServer, sleep, VirtualClock } from '../src/index.js';

async function setup(options: { maxNativeDelayMs?: number } = {}) {
  const clock = new VirtualClock();
  const server = new MemoryServer({ clock, ...options });
  const broker = await connect({ driver: server.connect() });
  return { clock, server, broker };
}

async function settle(clock: VirtualClock) {
  await clock.advance(0);
}

describe('memory broker mechanics', () => {
  it('hops a delay longer than its native maximum without counting attempts', async () => {
    const { clock, server, broker } = await setup({ maxNativeDelayMs: 1_000 });
    const q = broker.queue('q');
    const seen: [number, number][] = [];
    q.process((job) => void seen.push([clock.now(), job.attempt]));
    const start = clock.now();
    await q.send('later', { delay: 4_500 });
    await clock.advance(4_499);
    expect(seen).toEqual([]);
    expect(server.queue('q')!.counts()).toMatchObject({ delayed: 1, inFlight: 0 });
    await clock.advance(1);
    expect(seen).toEqual([[start + 4_500, 1]]);
    await broker.close();
  });

  it('expires a lease that nobody extends and counts the lost delivery as an attempt', async () => {
    const { clock, server, broker } = await setup();
    await broker.queue('q', { leaseMs: 1_000 }).send('job');
    const driver = server.connect();
    const topology = { name: 'q', deadLetterName: 'q.dlq', leaseMs: 1_000, maxAttempts: 5 };
    const receiver = driver.receiver(topology, { leaseMs: 1_000, maxUnsettled: 1 });
    const [first] = await receiver.receive(1, new AbortController().signal);
    expect(first?.deliveryCount).toBe(1);
    await clock.advance(999);
    expect(server.queue('q')!.counts().inFlight).toBe(1);
    await clock.advance(1);
    expect(server.queue('q')!.counts()).toMatchObject({ ready: 1, inFlight: 0 });
    const [second] = await receiver.receive(1, new AbortController().signal);
    expect(second?.deliveryCount).toBe(2);
    // The stale delivery can no longer settle the job.
    await first!.ack();
    expect(server.queue('q')!.counts().inFlight).toBe(1);
    await second!.ack();
    expect(server.queue('q')!.counts()).toMatchObject({ ready: 0, inFlight: 0 });
    await broker.close();
  });

  it('serves one job per ordering key at a time and keeps a retried head first', async () => {
    const { clock, broker } = await setup();
    const q = broker.queue<string>('q', { backoff: { type: 'fixed', delayMs: 500 } });
    const log: string[] = [];
    let failedOnce = false;
    q.process(
      async (job) => {
        log.push(`start ${job.payload}`);
        await sleep(clock, 100);
        if (job.payload === 'a1' && !failedOnce) {
          failedOnce = true;
          throw new Error('retry me');
        }
        log.push(`end ${job.payload}`);
      },
      { concurrency: 4 },
    );
    for (const payload of ['a1', 'a2', 'a3']) await q.send(payload, { orderingKey: 'a' });
    await q.send('b1', { orderingKey: 'b' });
    await clock.advance(2_000);
    const a = log.filter((line) => line.includes(' a'));
    expect(a).toEqual(['start a1', 'start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    // Key b was not held back by key a's retry.
    expect(log.indexOf('end b1')).toBeLessThan(log.indexOf('end a1'));
    await broker.close();
  });

  it('drops a duplicate dedupId inside the window, returning the original id, and accepts it after', async () => {
    const clock = new VirtualClock();
    const server = new MemoryServer({ clock, dedupWindowMs: 1_000 });
    const broker = await connect({ driver: server.connect() });
    const q = broker.queue('q');
    const first = await q.send(1, { dedupId: 'same' });
    // The duplicate is dropped, and send answers with the id the handler will actually see.
    expect(await q.send(2, { dedupId: 'same' })).toBe(first);
    expect((await q.stats()).ready).toBe(1);
    await clock.advance(1_000);
    await q.send(3, { dedupId: 'same' });
    expect((await q.stats()).ready).toBe(2);
    await broker.close();
  });

  it('a graceful disconnect hands unsettled deliveries back at once; an abandoned one does not', async () => {
    const { clock, server, broker } = await setup();
    const q = broker.queue('q', { leaseMs: 10_000 });
    await q.send('a');
    await q.send('b');
    const topology = { name: 'q', deadLetterName: 'q.dlq', leaseMs: 10_000, maxAttempts: 5 };
    const polite = server.connect();
    await polite
      .receiver(topology, { leaseMs: 10_000, maxUnsettled: 1 })
      .receive(1, new AbortController().signal);
    const crashing = server.connect();
    await crashing
      .receiver(topology, { leaseMs: 10_000, maxUnsettled: 1 })
      .receive(1, new AbortController().signal);
    expect(server.queue('q')!.counts()).toMatchObject({ ready: 0, inFlight: 2 });
    await polite.close('graceful');
    await crashing.close('abandon');
    await settle(clock);
    expect(server.queue('q')!.counts()).toMatchObject({ ready: 1, inFlight: 1 });
    await clock.advance(10_000);
    expect(server.queue('q')!.counts()).toMatchObject({ ready: 2, inFlight: 0 });
    await broker.close();
  });

  it('speaks the header wire format to native producers and consumers', async () => {
    const { server, broker } = await setup();
    const id = await broker.queue('q').send({ hello: 'wörld 👋' }, { attributes: { tenant: 't1' } });
    const [raw] = server.consumeRaw('q', 1);
    expect(JSON.parse(Buffer.from(raw!.body).toString('utf8'))).toEqual({ hello: 'wörld 👋' });
    expect(raw!.headers).toMatchObject({ 'pq-id': id, tenant: 't1' });
    await broker.close();
  });
});

describe('memory broker: dead-letter operations', () => {
  async function withDeadLetters(count: number): Promise<{ broker: Broker; clock: VirtualClock }> {
    const { clock, broker } = await setup();
    const q = broker.queue<number>('q', { maxAttempts: 1 });
    const worker = q.process(() => {
      throw new Error('dead');
    });
    await q.sendBatch(Array.from({ length: count }, (_, i) => ({ payload: i })));
    await clock.advance(10);
    await worker.close();
    return { broker, clock };
  }

  it('peeks without removing, redrives with attempts reset, purges', async () => {
    const { broker, clock } = await withDeadLetters(5);
    const q = broker.queue<number>('q', { maxAttempts: 1 });
    expect((await q.deadLetters.peek()).map((d) => d.payload)).toEqual([0, 1, 2, 3, 4]);
    expect((await q.deadLetters.peek(2)).map((d) => d.payload)).toEqual([0, 1]);
    expect((await q.stats()).deadLettered).toBe(5);
    expect(await q.deadLetters.redrive({ limit: 2 })).toBe(2);
    expect((await q.stats()).ready).toBe(2);
    const attempts: number[] = [];
    const worker = q.process((job) => void attempts.push(job.attempt));
    await clock.advance(10);
    expect(attempts).toEqual([1, 1]);
    await worker.close();
    expect(await q.deadLetters.purge()).toBe(3);
    expect(await q.deadLetters.peek()).toEqual([]);
    await broker.close();
  });
});
