import { connect, UnrecoverableError } from '@polyqueue/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedisServer } from './private-redis-server.js';

// A Redis Cluster of three private masters (free ports, temp dirs, killed by PID): each script
// must touch a single slot (the queue's hash tag), or Cluster refuses it with CROSSSLOT.
const SLOTS = 16_384;
let nodes: PrivateRedisServer[] = [];

beforeAll(async () => {
  nodes = await Promise.all([0, 1, 2].map(() => PrivateRedisServer.start(['--cluster-enabled', 'yes'])));
  const clients = nodes.map((node) => new Redis({ port: node.port, host: '127.0.0.1' }));
  try {
    const share = Math.ceil(SLOTS / nodes.length);
    await Promise.all(
      clients.map((client, i) =>
        client.call('CLUSTER', 'ADDSLOTSRANGE', i * share, Math.min(SLOTS, (i + 1) * share) - 1),
      ),
    );
    for (const node of nodes.slice(1)) await clients[0]!.call('CLUSTER', 'MEET', '127.0.0.1', node.port);
    const deadline = Date.now() + 20_000;
    for (const client of clients) {
      while (!String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) {
        if (Date.now() > deadline)
          throw new Error('the private cluster did not reach cluster_state:ok in 20 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    for (const client of clients) client.disconnect();
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
});

describe('redis cluster', () => {
  it('sends, delays, retries, deduplicates, dead-letters, redrives, counts and lists queues spread over three masters', async () => {
    const [first, second] = nodes;
    const broker = await connect(
      `redis://127.0.0.1:${first!.port}?cluster=true&hosts=127.0.0.1:${second!.port}`,
    );
    const errors: string[] = [];
    broker.on('error', (error, info) => errors.push(`${info.action}: ${error.message}`));
    try {
      // Hash tags on each of the three masters (slots 105, 7647 and 13262; each master serves 5,462).
      const names = ['orders', 'a.b-c_d', 'invoices'];
      for (const name of names) {
        const queue = broker.queue<{ n: number }>(name, {
          maxAttempts: 2,
          backoff: { type: 'fixed', delayMs: 100 },
          leaseMs: 2_000,
        });
        const handled = new Map<number, number>();
        let failNext = true;
        const worker = queue.process((job) => {
          handled.set(job.payload.n, job.attempt);
          if (job.payload.n === 0) throw new UnrecoverableError('to the dead-letter stream');
          if (job.payload.n === 1 && failNext) {
            failNext = false;
            throw new Error('retry me');
          }
        });
        worker.on('error', (error) => errors.push(`worker: ${error.message}`));
        const results = await queue.sendBatch([0, 1, 2, 3].map((n) => ({ payload: { n } })));
        expect(results.every((result) => result.ok)).toBe(true);
        await queue.send({ n: 4 }, { delay: 300 });
        const kept = await queue.send({ n: 5 }, { dedupId: `${name}-once` });
        expect(await queue.send({ n: 6 }, { dedupId: `${name}-once` })).toBe(kept);
        const deadline = Date.now() + 10_000;
        while ((handled.size < 6 || handled.get(1) !== 2) && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 50));
        expect([...handled.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
        expect(handled.get(1), 'the retried job ran again as attempt 2').toBe(2);
        // Closing waits for the running handlers and their settlements: counts are final after it.
        await worker.close();
        const letters = await queue.deadLetters.peek();
        expect(letters.map((letter) => letter.record?.reason)).toEqual(['unrecoverable']);
        expect(await queue.stats()).toEqual({ ready: 0, delayed: 0, inFlight: 0, deadLettered: 1 });
        expect(await queue.deadLetters.redrive()).toBe(1);
        expect(await queue.stats()).toMatchObject({ ready: 1, deadLettered: 0 });
        expect(await queue.deadLetters.purge()).toBe(0);
      }
      // SCAN on every master: a single node's SCAN would see only the queues whose slot it serves.
      expect([...(await broker.queues())].sort()).toEqual([...names].sort());
      expect(errors).toEqual([]);
    } finally {
      await broker.close({ timeoutMs: 5_000 });
    }
  }, 60_000);
});
