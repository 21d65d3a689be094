import { randomUUID } from 'node:crypto';
import type { ChannelModel } from 'amqplib';
import { deferred, nowNs, secondsSince } from '../../measure.js';
import type { StreamingCase } from '../../streaming.js';
import { type Payload, payload } from '../../workload.js';

/**
 * What is measured, on both sides: publish batches with confirms (one batch in flight at a time),
 * and consume with the same prefetch, a JSON parse as the no-op handler, and one ack per message.
 */
export type AmqpCase = StreamingCase;

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
