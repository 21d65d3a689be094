import { randomUUID } from 'node:crypto';
import { type PubSub, v1 } from '@google-cloud/pubsub';
import type { Consumer, StreamingCase } from '../../streaming.js';
import type { Payload } from '../../workload.js';

/** The publisher settings polyqueue's adapter uses, so that both sides publish alike. */
const BATCHING = { maxMessages: 1_000, maxMilliseconds: 2 } as const;
/** Idle poll interval of a unary pull loop against the emulator, as polyqueue's default. */
const POLL_MS = 25;

/**
 * Publishes each job with the two attributes polyqueue writes on every message (an id and the
 * enqueue time, as the AMQP suite's raw loop carries them as headers): a consumer needs them to
 * tell a redelivery from a new job. Without them the raw side skipped a cost every such consumer
 * pays: in the SDK, two attributes take about 4 µs of Node CPU per message (send only, 2026-12-04:
 * 5-6 µs per job without, 9-10 with, polyqueue 13-14).
 */
function publisher(pubsub: PubSub, topic: string): StreamingCase['send'] {
  const native = pubsub.topic(topic, { batching: BATCHING });
  return async (batch) => {
    await Promise.all(
      batch.map((job) =>
        native.publishMessage({
          data: Buffer.from(JSON.stringify(job)),
          attributes: { 'pq-id': randomUUID(), 'pq-enqueued-at': String(Date.now()) },
        }),
      ),
    );
  };
}

/**
 * The SDK's own way to consume: streaming pull with its lease manager, `maxUnsettled` messages
 * outstanding, ack each message after its (no-op) handler.
 */
export function rawStreamingPull(pubsub: PubSub, name: string, maxUnsettled: number): StreamingCase {
  return {
    send: publisher(pubsub, name),
    consume(onJob): Consumer {
      const subscription = pubsub.subscription(name, {
        flowControl: { maxMessages: maxUnsettled, allowExcessMessages: false },
      });
      subscription.on('message', (message) => {
        onJob(JSON.parse(message.data.toString('utf8')) as Payload);
        message.ack();
      });
      subscription.on('error', (error) => console.error('bench: raw streaming pull:', error));
      return { close: () => subscription.close() };
    },
  };
}

/**
 * What polyqueue's adapter does underneath, by hand: unary pull of up to `maxUnsettled` messages,
 * run the handlers, acknowledge them in one request, repeat; poll every 25 ms when idle.
 */
export function rawUnaryPull(pubsub: PubSub, name: string, maxUnsettled: number): StreamingCase {
  return {
    send: publisher(pubsub, name),
    consume(onJob): Consumer {
      let running = true;
      const client = pubsub.getClientConfig().then((config) => new v1.SubscriberClient(config as never));
      const subscription = `projects/${pubsub.projectId}/subscriptions/${name}`;
      const loop = (async () => {
        const subscriber = await client;
        while (running) {
          const [response] = await subscriber.pull({
            subscription,
            maxMessages: maxUnsettled,
            returnImmediately: true,
          });
          const received = response.receivedMessages ?? [];
          if (received.length === 0) {
            await new Promise((resolve) => setTimeout(resolve, POLL_MS));
            continue;
          }
          for (const message of received) {
            onJob(JSON.parse(Buffer.from(message.message?.data ?? '').toString('utf8')) as Payload);
          }
          await subscriber.acknowledge({
            subscription,
            ackIds: received.map((message) => message.ackId ?? ''),
          });
        }
      })();
      return {
        close: async () => {
          running = false;
          await loop;
          await (await client).close();
        },
      };
    },
  };
}
