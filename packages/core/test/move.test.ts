import { describe, expect, it } from 'vitest';
import type { Job } from '../src/index.js';
import { type Broker, connect, MemoryServer, MessageTooLargeError, moveJobs } from '../src/index.js';
import { platformOf } from '../src/runtime/platform.js';
import { delegatingDriver, fakeDriver } from './fake-driver.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** Two brokers, each on its own in-memory server. */
async function brokers(): Promise<{ a: Broker; b: Broker }> {
  return {
    a: await connect({ driver: new MemoryServer().connect() }),
    b: await connect({ driver: new MemoryServer().connect() }),
  };
}

/** The first job a worker on `broker`'s queue `name` gets. */
async function firstJob(broker: Broker, name: string): Promise<Job<unknown>> {
  return new Promise((resolve) => {
    const worker = broker.queue(name).process(async (job) => {
      resolve(job);
      void worker.close();
    });
  });
}

async function sendMany(broker: Broker, name: string, count: number): Promise<void> {
  const results = await broker
    .queue(name)
    .sendBatch(Array.from({ length: count }, (_, n) => ({ payload: { n } })));
  expect(results.every((result) => result.ok)).toBe(true);
}

describe('moveJobs', () => {
  it('keeps id, payload, attributes, attempt count, enqueuedAt and trace context', async () => {
    const { a, b } = await brokers();
    const source = platformOf(a.queue('emails'));
    await source.ensureProvisioned();
    // A job two attempts in (a retry republished with attemptOffset 2), from a traced producer.
    const enqueuedAt = Date.now() - 3_600_000;
    await source.driver.send(source.topology, [
      {
        body: new TextEncoder().encode('{"to":"a@b.c"}'),
        attributes: { tenant: 'acme' },
        meta: { id: 'job-1', attemptOffset: 2, enqueuedAt, traceparent: TRACEPARENT, tracestate: 'k=v' },
      },
    ]);

    const result = await moveJobs(a.queue('emails'), b.queue('emails'), { idleMs: 50 });

    expect(result).toEqual({ moved: 1, ended: 'drained' });
    const job = await firstJob(b, 'emails');
    expect(job).toMatchObject({
      id: 'job-1',
      payload: { to: 'a@b.c' },
      attributes: { tenant: 'acme' },
      attempt: 3,
      enqueuedAt: new Date(enqueuedAt),
      traceparent: TRACEPARENT,
      tracestate: 'k=v',
    });
    expect(await a.queue('emails').stats()).toMatchObject({ ready: 0, inFlight: 0 });
    await Promise.all([a.close(), b.close()]);
  });

  it('acks on the source only once the target confirmed', async () => {
    const server = new MemoryServer();
    const inner = server.connect();
    let confirm!: () => void;
    const confirmed = new Promise<void>((resolve) => (confirm = resolve));
    const target = await connect({
      driver: delegatingDriver(inner, {
        send: async (queue, messages) => {
          await confirmed;
          return inner.send(queue, messages);
        },
      }),
    });
    const a = await connect({ driver: new MemoryServer().connect() });
    await sendMany(a, 'q', 3);

    const move = moveJobs(a.queue('q'), target.queue('q'), { idleMs: 50 });
    await expect.poll(() => a.queue('q').stats()).toMatchObject({ ready: 0, inFlight: 3 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Still held, not acked, while the target has not confirmed.
    expect(await a.queue('q').stats()).toMatchObject({ ready: 0, inFlight: 3 });
    confirm();

    expect(await move).toEqual({ moved: 3, ended: 'drained' });
    expect(await a.queue('q').stats()).toMatchObject({ ready: 0, inFlight: 0 });
    expect(await target.queue('q').stats()).toMatchObject({ ready: 3 });
    await Promise.all([a.close(), target.close()]);
  });

  it('a target whose send fails leaves every job on the source, released, and the move rejects', async () => {
    const inner = new MemoryServer().connect();
    const target = await connect({
      driver: delegatingDriver(inner, {
        send: async () => {
          throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
        },
      }),
    });
    const a = await connect({ driver: new MemoryServer().connect() });
    await sendMany(a, 'q', 5);

    await expect(moveJobs(a.queue('q'), target.queue('q'), { idleMs: 50 })).rejects.toThrow(
      /connection refused/,
    );

    // Released at once (not left to a lease), and not counted as an attempt.
    expect(await a.queue('q').stats()).toMatchObject({ ready: 5, inFlight: 0 });
    expect(await target.queue('q').stats()).toMatchObject({ ready: 0 });
    await Promise.all([a.close(), target.close()]);
  });

  it('a job the target refuses alone is released; the others of its batch are moved', async () => {
    const inner = new MemoryServer().connect();
    const target = await connect({
      driver: delegatingDriver(inner, {
        send: async (queue, messages) => {
          const outcomes = await inner.send(queue, messages.slice(1));
          return [{ ok: false, error: new Error('refused') }, ...outcomes];
        },
      }),
    });
    const a = await connect({ driver: new MemoryServer().connect() });
    await sendMany(a, 'q', 3);

    await expect(moveJobs(a.queue('q'), target.queue('q'), { idleMs: 50 })).rejects.toThrow(/refused/);

    expect(await a.queue('q').stats()).toMatchObject({ ready: 1, inFlight: 0 });
    expect(await target.queue('q').stats()).toMatchObject({ ready: 2 });
    await Promise.all([a.close(), target.close()]);
  });

  it('a job too large for the target fails alone: the rest of its batch is moved, it stays on the source', async () => {
    const target = await connect({ driver: fakeDriver({ maxMessageBytes: 100 }) });
    const a = await connect({ driver: new MemoryServer().connect() });
    await sendMany(a, 'q', 3);
    await a.queue('q').send({ big: 'x'.repeat(200) });

    await expect(moveJobs(a.queue('q'), target.queue('q'), { idleMs: 50 })).rejects.toBeInstanceOf(
      MessageTooLargeError,
    );

    expect(await a.queue('q').stats()).toMatchObject({ ready: 1, inFlight: 0 });
    expect(await target.queue('q').stats()).toMatchObject({ ready: 3 });
    await Promise.all([a.close(), target.close()]);
  });

  it('stops on its signal, hands back what it holds, and a rerun moves the rest', async () => {
    const { a, b } = await brokers();
    await sendMany(a, 'q', 200);
    const stop = new AbortController();
    const first = await moveJobs(a.queue('q'), b.queue('q'), {
      idleMs: 1_000,
      // 10 jobs a take, a take every 250 ms: far from all 200 when the first batch stops it.
      ratePerSecond: 40,
      signal: stop.signal,
      onProgress: () => stop.abort(),
    });

    expect(first.ended).toBe('stopped');
    expect(first.moved).toBeGreaterThanOrEqual(1);
    expect(first.moved).toBeLessThan(200);
    const left = await a.queue('q').stats();
    // Nothing held after the stop: everything not moved is deliverable on the source at once.
    expect(left).toMatchObject({ ready: 200 - first.moved, inFlight: 0 });
    expect(await b.queue('q').stats()).toMatchObject({ ready: first.moved });

    const rest = await moveJobs(a.queue('q'), b.queue('q'), { idleMs: 50 });
    expect(rest).toEqual({ moved: 200 - first.moved, ended: 'drained' });
    expect(await b.queue('q').stats()).toMatchObject({ ready: 200 });
    await Promise.all([a.close(), b.close()]);
  });

  it('moves at most --limit jobs', async () => {
    const { a, b } = await brokers();
    await sendMany(a, 'q', 30);
    expect(await moveJobs(a.queue('q'), b.queue('q'), { limit: 12, idleMs: 50 })).toEqual({
      moved: 12,
      ended: 'limit',
    });
    expect(await a.queue('q').stats()).toMatchObject({ ready: 18, inFlight: 0 });
    expect(await b.queue('q').stats()).toMatchObject({ ready: 12 });
    await Promise.all([a.close(), b.close()]);
  });

  it('leaves delayed jobs on the source', async () => {
    const { a, b } = await brokers();
    await a.queue('q').send({ now: true });
    await a.queue('q').send({ later: true }, { delay: 60_000 });
    expect(await moveJobs(a.queue('q'), b.queue('q'), { idleMs: 50 })).toEqual({
      moved: 1,
      ended: 'drained',
    });
    expect(await a.queue('q').stats()).toMatchObject({ ready: 0, delayed: 1 });
    await Promise.all([a.close(), b.close()]);
  });

  it('a job moved twice (killed between confirm and ack) is one job where the target deduplicates', async () => {
    const { a, b } = await brokers();
    const source = platformOf(a.queue('q'));
    await source.ensureProvisioned();
    const copy = {
      body: new TextEncoder().encode('1'),
      attributes: {},
      meta: { id: 'same', attemptOffset: 0, enqueuedAt: 1 },
    };
    await source.driver.send(source.topology, [copy, copy]);

    expect((await moveJobs(a.queue('q'), b.queue('q'), { idleMs: 50 })).moved).toBe(2);

    expect(await b.queue('q').stats()).toMatchObject({ ready: 1 });
    await Promise.all([a.close(), b.close()]);
  });

  it('rejects a bad limit, rate or idle time with a ConfigError', async () => {
    const { a, b } = await brokers();
    for (const options of [
      { limit: 0 },
      { limit: 1.5 },
      { ratePerSecond: 0 },
      { ratePerSecond: Number.NaN },
      { idleMs: -1 },
    ]) {
      await expect(moveJobs(a.queue('q'), b.queue('q'), options)).rejects.toMatchObject({
        name: 'ConfigError',
      });
    }
    await Promise.all([a.close(), b.close()]);
  });
});
