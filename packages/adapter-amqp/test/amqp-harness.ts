import type { ConformanceHarness } from '@polyqueue/conformance';
import { connect } from '@polyqueue/core';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import type { QueueType } from '../src/amqp-options.js';
import { RABBITMQ_URL } from './rabbitmq.js';

/**
 * The conformance harness on a real RabbitMQ. Every queue and exchange of a run (the delay
 * cascade too) lives under one prefix, deleted at the end. Ten cascade levels hold up to 1,023 ms
 * in one pass, so D2 (2.5 passes) and the 1.5 s and 3 s delays of D3 and D4 take the hop path.
 * The plain native producer and consumer are a raw amqplib connection.
 */
export async function amqpHarness(
  raw: ChannelModel,
  prefix: string,
  queueType: QueueType,
): Promise<ConformanceHarness> {
  const url = `${RABBITMQ_URL}?queue_prefix=${prefix}&delay_levels=10&queue_type=${queueType}`;
  const probe = await connect(url);
  const { capabilities } = probe;
  await probe.close();
  return {
    name: `amqp (RabbitMQ, ${queueType} queues)`,
    url,
    capabilities,
    // Refused by the adapter's own parser (amqp-options.ts), not by core: K1 reaches adapter code.
    invalidParameter: { name: 'publish_timeout_ms', value: '0' },
    timeScale: 1,
    connect: (options = {}) => connect(url, options),
    // E1: the queue deleted under its consumer (then declared again). RabbitMQ cancels the
    // consumer (basic.cancel), which the receiver used to absorb silently; it now reports
    // 'consumer-cancelled' with the queue, and consumes again.
    backgroundFault: {
      action: 'consumer-cancelled',
      inject: async (broker, queue) => {
        // Quorum queue server ids derive from the queue name: declaring it again before the
        // consumer's channel has handled the old queue's end can lose the basic.cancel (seen
        // once under load: no cancel, no 404). So declare again only once the cancel is seen.
        const cancelled = new Promise<void>((resolve) => {
          const seen = (_error: unknown, info: { action: string; queue?: string }) => {
            if (info.action !== 'consumer-cancelled' || info.queue !== queue) return;
            broker.off('error', seen);
            resolve();
          };
          broker.on('error', seen);
        });
        const channel = await raw.createChannel();
        try {
          // The worker consumes asynchronously: delete only once its consumer is there to cancel.
          for (let tries = 0; (await channel.checkQueue(prefix + queue)).consumerCount === 0; tries++) {
            if (tries === 200) throw new Error(`no consumer on ${prefix + queue} after 10 s`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          await channel.deleteQueue(prefix + queue);
        } finally {
          await channel.close();
        }
        // Bounded: without a cancel the rule itself fails, naming the missing action.
        await Promise.race([cancelled, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        // Declared again from another connection, so that sends to it go on working.
        const other = await connect(url);
        try {
          await other.queue(queue).provision();
        } finally {
          await other.close();
        }
      },
    },
    // X1: amqplib's ChannelModel and ConsumeMessage are not exported as classes: known by shape.
    nativeTypes: {
      client: {
        name: 'ChannelModel',
        is: (value: unknown): value is ChannelModel =>
          typeof (value as Partial<ChannelModel> | undefined)?.createConfirmChannel === 'function',
      },
      message: {
        name: 'ConsumeMessage',
        is: (value: unknown): value is ConsumeMessage =>
          Buffer.isBuffer((value as Partial<ConsumeMessage> | undefined)?.content) &&
          typeof (value as Partial<ConsumeMessage>).fields?.deliveryTag === 'number',
      },
    },
    publishNative: async (_broker, queue, message) => {
      const channel = await raw.createConfirmChannel();
      try {
        channel.sendToQueue(prefix + queue, Buffer.from(message.body), { headers: { ...message.headers } });
        await channel.waitForConfirms();
      } finally {
        await channel.close();
      }
    },
    consumeNative: async (_broker, queue) => {
      const channel = await raw.createChannel();
      try {
        for (let tries = 0; tries < 20; tries++) {
          const message = await channel.get(prefix + queue, { noAck: true });
          if (message) {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(message.properties.headers ?? {})) {
              headers[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
            }
            return { body: new Uint8Array(message.content), headers };
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return undefined;
      } finally {
        await channel.close();
      }
    },
  };
}
