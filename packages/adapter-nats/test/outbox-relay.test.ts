import { type Broker, connect, createOutboxRelay, MemoryServer } from '@polyqueue/core';
import { platformOf } from '@polyqueue/core/driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayThroughTwoRelays } from '../../../test/support/outbox-relay-scenario.js';
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
    await relayThroughTwoRelays(nats, JOBS, { concurrency: 32, prefetch: 256 });
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
