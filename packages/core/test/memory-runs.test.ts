import { describe, expect, it } from 'vitest';
import type { OutgoingMessage, QueueTopology } from '../src/driver/index.js';
import { connect, MemoryServer, VirtualClock } from '../src/index.js';

/**
 * The memory broker stores plain sends as runs (message-run.ts) rather than an object per
 * message. What a consumer sees must be exactly what was sent, in order, whichever way each
 * message was stored.
 */
const topology: QueueTopology = { name: 'q', deadLetterName: 'q.dlq', leaseMs: 30_000, maxAttempts: 5 };
const never = new AbortController().signal;

async function setup() {
  const clock = new VirtualClock();
  const server = new MemoryServer({ clock });
  const driver = server.connect();
  await driver.provision(topology);
  return { clock, server, driver };
}

/** Enough plain messages in a row to be stored as a run (memory-driver.ts keeps shorter ones as objects). */
const RUN = 8;

function message(id: string, body: Uint8Array, meta: Partial<OutgoingMessage['meta']> = {}): OutgoingMessage {
  return { body, attributes: {}, meta: { id, attemptOffset: 0, enqueuedAt: 1_700_000_000_123, ...meta } };
}

describe('memory runs', () => {
  it('delivers plain and keyed messages of one send in send order, with their ids, metadata and bytes', async () => {
    const { driver } = await setup();
    const plain = (label: string) =>
      Array.from({ length: RUN }, (_, i) =>
        message(`${label}-${i}`, Buffer.from(`${label} ${i}`), {
          attemptOffset: i % 3,
          enqueuedAt: 1_700_000_000_000 + i,
        }),
      );
    const sent = [
      ...plain('a'),
      message('k-1', Buffer.from('keyed'), { orderingKey: 'k' }),
      ...plain('b'),
      message('d-1', Buffer.from('dedup'), { dedupId: 'x' }),
      message('c-1', Buffer.from('short run')),
      ...plain('e'),
    ];
    expect(await driver.send(topology, sent)).toEqual(sent.map(() => ({ ok: true })));
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 100 });
    const got = await receiver.receive(100, never);
    expect(got.map((d) => d.meta)).toEqual(sent.map((m) => m.meta));
    expect(got.map((d) => Buffer.from(d.body).toString())).toEqual(
      sent.map((m) => Buffer.from(m.body).toString()),
    );
    expect(got.every((d) => Buffer.isBuffer(d.body) && d.deliveryCount === 1)).toBe(true);
    await receiver.close();
  });

  it('keeps ids that are not ASCII, and bodies that are plain Uint8Arrays, as they were sent', async () => {
    const { driver } = await setup();
    const plain = new Uint8Array([1, 2, 3]);
    const ids = ['jöb-ü', '日本', ...Array.from({ length: RUN }, (_, i) => `ascii-${i}`)];
    const sent = [...ids.map((id) => message(id, Buffer.from(id))), message('b', plain)];
    await driver.send(topology, sent);
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 100 });
    const got = await receiver.receive(100, never);
    expect(got.map((d) => d.meta.id)).toEqual([...ids, 'b']);
    expect(got.map((d) => Buffer.from(d.body).toString())).toEqual([...ids, '\u0001\u0002\u0003']);
    expect(got.at(-1)!.body).toBe(plain);
    await receiver.close();
  });

  it('counts, peeks and hands back messages of a run like any other', async () => {
    const { server, driver } = await setup();
    const ids = Array.from({ length: RUN }, (_, i) => `m-${i}`);
    await driver.send(
      topology,
      ids.map((id) => message(id, Buffer.from(id))),
    );
    const queue = server.queue('q')!;
    expect(queue.counts()).toEqual({ ready: RUN, delayed: 0, inFlight: 0 });
    expect([...queue.readyMessages()].map((m) => m.meta.id)).toEqual(ids);
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 10 });
    const [first] = await receiver.receive(1, never);
    expect(queue.counts()).toEqual({ ready: RUN - 1, delayed: 0, inFlight: 1 });
    // Released, it goes back in front of the rest of its run.
    await first!.release();
    expect(server.consumeRaw('q').map((raw) => raw.headers['pq-id'])).toEqual(ids);
    expect(queue.counts()).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    await receiver.close();
  });

  it('round-trips sendBatch through a worker: every id returned is the id of the job handled', async () => {
    const clock = new VirtualClock();
    const broker = await connect({ driver: new MemoryServer({ clock }).connect() });
    const q = broker.queue<{ n: number }>('q');
    const handled: [string, number][] = [];
    const worker = q.process((job) => void handled.push([job.id, job.payload.n]), { concurrency: 4 });
    const results = await q.sendBatch(Array.from({ length: 2_500 }, (_, n) => ({ payload: { n } })));
    await clock.advance(10);
    expect(handled).toEqual(results.map((r, n) => [r.ok ? r.id : 'failed', n]));
    await worker.close();
    await broker.close();
  });
});
