import { type Broker, connect, createOutboxRelay, MemoryServer, type WorkerOptions } from '@polyqueue/core';
import { expect } from 'vitest';

/**
 * The outbox relay to a real broker, in process: a memory broker stands in for the outbox (the
 * relay is broker-neutral; a PostgreSQL outbox is one URL away). `jobs` jobs go through two
 * relays at once; every one must arrive on `target`, none twice, none foreign, and the outbox
 * must end empty with every job counted once by the relays.
 */
export async function relayThroughTwoRelays(
  target: Broker,
  jobs: number,
  worker: WorkerOptions = { concurrency: 32 },
): Promise<void> {
  const outbox = await connect({ driver: new MemoryServer().connect() });
  const ids = new Set<string>();
  for (let first = 0; first < jobs; first += 500) {
    const items = Array.from({ length: Math.min(500, jobs - first) }, (_, i) => ({
      payload: { n: first + i },
    }));
    for (const result of await outbox.queue('orders').sendBatch(items)) {
      if (!result.ok) throw result.error;
      ids.add(result.id);
    }
  }
  const relays = [
    await createOutboxRelay({ from: outbox, to: target, queues: ['orders'] }),
    await createOutboxRelay({ from: outbox, to: target, queues: ['orders'] }),
  ];
  const seen = new Map<string, number>();
  const processing = target.queue('orders').process(async (job) => {
    seen.set(job.id, (seen.get(job.id) ?? 0) + 1);
  }, worker);
  const deadline = Date.now() + 60_000;
  while (seen.size < jobs && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  // A moment more for any duplicate to show.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const stats = await Promise.all(relays.map(async (relay) => (await relay.stats()).orders));
  await Promise.all(relays.map((relay) => relay.close({ timeoutMs: 5_000 })));
  await processing.close({ timeoutMs: 5_000 });
  await outbox.close();

  const lost = [...ids].filter((id) => !seen.has(id)).length;
  const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
  const foreign = [...seen.keys()].filter((id) => !ids.has(id)).length;
  expect({ lost, duplicates, foreign }).toEqual({ lost: 0, duplicates: 0, foreign: 0 });
  expect((stats[0]?.relayed ?? 0) + (stats[1]?.relayed ?? 0)).toBe(jobs);
  expect(stats[0]).toMatchObject({ failures: 0, ready: 0, inFlight: 0 });
}
