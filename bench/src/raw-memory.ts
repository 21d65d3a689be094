import { jsonSerializer, type MemoryServer } from '@polyqueue/core';
import type { Delivery, OutgoingMessage, QueueTopology } from '@polyqueue/core/driver';
import { deferred, nowNs, secondsSince } from './measure.js';
import type { StreamingCase } from './streaming.js';
import { noop, type Payload, payload } from './workload.js';

/**
 * The memory adapter's "raw client": its driver used directly, the way a hand-written consumer
 * would use a broker SDK. Same serializer, payload, handler and unsettled bound as the polyqueue
 * cases, so the difference between the two is the core runtime and nothing else.
 */

export function rawTopology(name: string): QueueTopology {
  return { name, deadLetterName: `${name}.dlq`, leaseMs: 30_000, maxAttempts: 5 };
}

/**
 * One empty attributes object for every message, as core sends: an object per message was kept by
 * the queue with its message, and that alone made the raw side's collector work several times
 * polyqueue's (170-290 ms against 45 ms per 500,000 jobs, PerformanceObserver on gc).
 */
const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

/**
 * driver.send in batches: JSON, an id and a timestamp per job. The id is a counter, the cheapest
 * unique id there is (a real broker assigns its own), so the gap to polyqueue includes minting
 * its UUIDs.
 */
export async function rawSend(
  server: MemoryServer,
  name: string,
  jobs: number,
  batchSize: number,
): Promise<number> {
  const driver = server.connect();
  const topology = rawTopology(name);
  await driver.provision(topology);
  const start = nowNs();
  for (let sent = 0; sent < jobs; sent += batchSize) {
    const count = Math.min(batchSize, jobs - sent);
    const messages: OutgoingMessage[] = new Array(count);
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      messages[i] = {
        body: jsonSerializer.serialize(payload(sent + i)),
        attributes: NO_ATTRIBUTES,
        meta: { id: `raw-${sent + i}`, attemptOffset: 0, enqueuedAt: now },
      };
    }
    await driver.send(topology, messages);
  }
  const seconds = secondsSince(start);
  await driver.close('graceful');
  return seconds;
}

/**
 * Receives up to `concurrency` deliveries, runs the handler on each concurrently, acks each once
 * its handler resolved, and receives again: the common hand-written consumer. No retries, leases
 * or dead letters: that is exactly what polyqueue adds.
 */
export async function rawProcess(
  server: MemoryServer,
  name: string,
  jobs: number,
  concurrency: number,
): Promise<number> {
  const driver = server.connect();
  const topology = rawTopology(name);
  await driver.provision(topology);
  const receiver = driver.receiver(topology, { leaseMs: topology.leaseMs, maxUnsettled: concurrency * 2 });
  const stop = new AbortController();
  const done = deferred();
  let handled = 0;
  const handle = async (delivery: Delivery) => {
    await noop(jsonSerializer.deserialize(delivery.body) as Payload);
    if (++handled === jobs) done.resolve();
    await delivery.ack();
  };
  const start = nowNs();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      const deliveries = await receiver.receive(concurrency, stop.signal);
      await Promise.all(deliveries.map(handle));
    }
  })();
  await done.promise;
  const seconds = secondsSince(start);
  stop.abort();
  await loop;
  await receiver.close();
  await driver.close('graceful');
  const left = server.queue(name)!.counts();
  if (left.ready + left.inFlight !== 0)
    throw new Error(`bench: raw ${name} not drained: ${JSON.stringify(left)}`);
  return seconds;
}

/**
 * The raw driver as a StreamingCase, for the paced latency comparison: driver.send of each batch,
 * and the receive / handle / ack loop of `rawProcess`, with `onJob` as the handler.
 */
export async function rawMemoryCase(
  server: MemoryServer,
  name: string,
  concurrency: number,
): Promise<StreamingCase> {
  const driver = server.connect();
  const topology = rawTopology(name);
  await driver.provision(topology);
  let ids = 0;
  return {
    async send(batch) {
      const now = Date.now();
      const messages: OutgoingMessage[] = batch.map((job) => ({
        body: jsonSerializer.serialize(job),
        attributes: {},
        meta: { id: `raw-${++ids}`, attemptOffset: 0, enqueuedAt: now },
      }));
      await driver.send(topology, messages);
    },
    consume(onJob) {
      const receiver = driver.receiver(topology, {
        leaseMs: topology.leaseMs,
        maxUnsettled: concurrency * 2,
      });
      const stop = new AbortController();
      const handle = async (delivery: Delivery) => {
        onJob(jsonSerializer.deserialize(delivery.body) as Payload);
        await delivery.ack();
      };
      const loop = (async () => {
        while (!stop.signal.aborted) {
          const deliveries = await receiver.receive(concurrency, stop.signal);
          await Promise.all(deliveries.map(handle));
        }
      })();
      return {
        close: async () => {
          stop.abort();
          await loop;
          await receiver.close();
          await driver.close('graceful');
        },
      };
    },
  };
}
