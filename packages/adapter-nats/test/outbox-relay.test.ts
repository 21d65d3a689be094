import { type Broker, connect, createOutboxRelay, MemoryServer } from '@polyqueue/core';
import { platformOf } from '@polyqueue/core/driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteStreams, NATS_URL, runPrefix } from './nats-server.js';

// The outbox relay to NATS, in process: a memory broker stands in for the outbox (the relay is
// broker-neutral; the PostgreSQL outbox is one URL away). Every job must arrive, none twice: NATS
// deduplicates by job id, which the relay sets as the dedup id.
const JOBS = 3_000;
const prefix = runPrefix('relay');
let nats: Broker;

beforeAll(async () => {
  nats = await connect(`${NATS_URL}?stream_prefix=${prefix}`);
});

afterAll(async () => {
  await nats?.close({ timeoutMs: 5_000 });
  await deleteStreams(prefix);
});

describe('outbox relay memory -> NATS', () => {
  it(`${JOBS} jobs relayed by two relays: 0 lost, 0 duplicates, outbox empty`, async () => {
    const outbox = await connect({ driver: new MemoryServer().connect() });
    const ids = new Set<string>();
    for (let first = 0; first < JOBS; first += 500) {
      const items = Array.from({ length: 500 }, (_, i) => ({ payload: { n: first + i } }));
      for (const result of await outbox.queue('orders').sendBatch(items)) {
        if (!result.ok) throw result.error;
        ids.add(result.id);
      }
    }
    const relays = [
      await createOutboxRelay({ from: outbox, to: nats, queues: ['orders'] }),
      await createOutboxRelay({ from: outbox, to: nats, queues: ['orders'] }),
    ];
    const seen = new Map<string, number>();
    const worker = nats.queue('orders').process(
      async (job) => {
        seen.set(job.id, (seen.get(job.id) ?? 0) + 1);
      },
      { concurrency: 32, prefetch: 256 },
    );
    const deadline = Date.now() + 60_000;
    while (seen.size < JOBS && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    // A moment more for any duplicate to show.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const stats = await Promise.all(relays.map(async (relay) => (await relay.stats()).orders));
    await Promise.all(relays.map((relay) => relay.close({ timeoutMs: 5_000 })));
    await worker.close({ timeoutMs: 5_000 });

    const lost = [...ids].filter((id) => !seen.has(id)).length;
    const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
    expect({ lost, duplicates, foreign: [...seen.keys()].filter((id) => !ids.has(id)).length }).toEqual({
      lost: 0,
      duplicates: 0,
      foreign: 0,
    });
    expect((stats[0]?.relayed ?? 0) + (stats[1]?.relayed ?? 0)).toBe(JOBS);
    expect(stats[0]).toMatchObject({ failures: 0, ready: 0, inFlight: 0 });
    await outbox.close();
  });

  it('a job relayed twice (a relay killed between the confirm and the ack) is handled once', async () => {
    const outbox = await connect({ driver: new MemoryServer().connect() });
    const source = platformOf(outbox.queue('twice'));
    await source.ensureProvisioned();
    const job = {
      body: new TextEncoder().encode('{"n":1}'),
      attributes: {},
      meta: { id: 'job-twice', attemptOffset: 0, enqueuedAt: Date.now() },
    };
    const relay = await createOutboxRelay({ from: outbox, to: nats, queues: ['twice'] });
    const relayed = async (count: number) => {
      const deadline = Date.now() + 10_000;
      while ((await relay.stats()).twice?.relayed !== count) {
        if (Date.now() > deadline) throw new Error(`relayed never reached ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    // The same job on the outbox again after it was relayed: what a crash before the ack leaves.
    await source.driver.send(source.topology, [job]);
    await relayed(1);
    await source.driver.send(source.topology, [job]);
    await relayed(2);
    await relay.close();

    const handled: string[] = [];
    const worker = nats.queue('twice').process(async (delivered) => {
      handled.push(delivered.id);
    });
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await worker.close({ timeoutMs: 5_000 });
    expect(handled).toEqual(['job-twice']);
    await outbox.close();
  });
});
