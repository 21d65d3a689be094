import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Broker } from '@polyqueue/core';
import type { ChannelModel } from 'amqplib';
import { deferred, LatencySamples, nowNs, secondsSince } from '../../measure.js';
import type { StreamingCase } from '../../streaming.js';
import { type Payload, payload } from '../../workload.js';

/**
 * What is measured, on both sides: publish batches with confirms (one batch in flight at a time),
 * and consume with the same prefetch, a JSON parse as the no-op handler, and one ack per message.
 */
export type AmqpCase = StreamingCase;

export function polyqueueCase(broker: Broker, queue: string, concurrency: number): AmqpCase {
  const q = broker.queue<Payload>(queue);
  return {
    async send(batch) {
      const results = await q.sendBatch(batch.map((job) => ({ payload: job })));
      if (!results.every((result) => result.ok)) throw new Error('bench: a send failed');
    },
    consume(onJob) {
      const worker = q.process(
        async (job) => {
          onJob(job.payload);
        },
        { concurrency },
      );
      return { close: () => worker.close() };
    },
  };
}

/**
 * Plain amqplib, written as a careful user would: a confirm channel, persistent mandatory
 * publishes carrying the same headers polyqueue writes, waitForConfirms per batch; a consumer
 * with basic.qos = `prefetch` that parses and acks each message.
 */
export async function rawCase(connection: ChannelModel, queue: string, prefetch: number): Promise<AmqpCase> {
  const publisher = await connection.createConfirmChannel();
  return {
    async send(batch) {
      for (const job of batch) {
        const id = randomUUID();
        publisher.sendToQueue(queue, Buffer.from(JSON.stringify(job)), {
          persistent: true,
          mandatory: true,
          messageId: id,
          headers: { 'pq-id': id, 'pq-enqueued-at': String(Date.now()) },
        });
      }
      await publisher.waitForConfirms();
    },
    consume(onJob) {
      let close: () => Promise<void> = async () => {};
      const started = (async () => {
        const channel = await connection.createChannel();
        await channel.prefetch(prefetch);
        await channel.consume(queue, (message) => {
          if (message === null) return;
          onJob(JSON.parse(message.content.toString('utf8')) as Payload);
          channel.ack(message);
        });
        close = () => channel.close();
      })();
      return {
        close: async () => {
          await started;
          await close();
        },
      };
    },
  };
}

/** Sends `jobs` jobs, `batchSize` per call, one call at a time. Returns seconds. */
export async function sendAll(subject: AmqpCase, jobs: number, batchSize: number): Promise<number> {
  const start = nowNs();
  for (let sent = 0; sent < jobs; sent += batchSize) {
    const items: Payload[] = [];
    for (let i = 0; i < Math.min(batchSize, jobs - sent); i++) items.push(payload(sent + i));
    await subject.send(items);
  }
  return secondsSince(start);
}

/** Consumes a queue already holding `jobs` jobs. Returns seconds from start to the last handled. */
export async function processAll(subject: AmqpCase, jobs: number): Promise<number> {
  const done = deferred();
  let handled = 0;
  const start = nowNs();
  const consumer = subject.consume(() => {
    if (++handled === jobs) done.resolve();
  });
  await done.promise;
  const seconds = secondsSince(start);
  await consumer.close();
  return seconds;
}

/**
 * Sends at a fixed rate (whatever is due each turn, as one batch) while consuming: latency below
 * saturation, with no backlog to wait behind. Every job is stamped.
 */
export async function pacedLatency(
  subject: AmqpCase,
  options: { perSecond: number; seconds: number },
): Promise<{ seconds: number; latency: LatencySamples }> {
  const total = Math.round(options.perSecond * options.seconds);
  const latency = new LatencySamples(total);
  const done = deferred();
  let handled = 0;
  const consumer = subject.consume((job) => {
    if (job.t !== undefined) latency.add(performance.now() - job.t);
    if (++handled === total) done.resolve();
  });
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * options.perSecond) / 1000));
    const items: Payload[] = [];
    while (sent < due) items.push(payload(sent++, true));
    if (items.length > 0) await subject.send(items);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await done.promise;
  const seconds = (performance.now() - start) / 1000;
  await consumer.close();
  return { seconds, latency };
}
