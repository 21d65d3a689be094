import { type Broker, connect } from '@polyqueue/core';
import { afterAll, beforeAll } from 'vitest';
import { runPrefix as amqpPrefix, deleteEntities, RABBITMQ_URL } from '../../adapter-amqp/test/rabbitmq.js';
import { deleteStreams, NATS_URL, runPrefix as natsPrefix } from '../../adapter-nats/test/nats-server.js';

export interface MoveBrokers {
  /** The source URL: the shared RabbitMQ under this run's queue prefix. */
  readonly from: string;
  /** The target URL: the shared NATS under this run's stream prefix. */
  readonly to: string;
  readonly rabbit: Broker;
  readonly nats: Broker;
}

/**
 * The shared RabbitMQ (source) and NATS (target) of a move test file, connected before its tests
 * with `queues` provisioned on both (the target's queue exists once its workers run: migration
 * step 1; the CLI creates nothing), and every queue and stream of the run deleted after them.
 */
export function moveBrokers(label: string, queues: readonly string[]): MoveBrokers {
  const rabbitPrefix = amqpPrefix(label);
  const natsStreams = natsPrefix(label);
  const brokers = {
    from: `${RABBITMQ_URL}?queue_prefix=${rabbitPrefix}`,
    to: `${NATS_URL}?stream_prefix=${natsStreams}`,
  } as { from: string; to: string; rabbit: Broker; nats: Broker };
  beforeAll(async () => {
    brokers.rabbit = await connect(brokers.from);
    brokers.nats = await connect(brokers.to);
    await Promise.all(
      queues.flatMap((name) => [
        brokers.rabbit.queue(name).provision(),
        brokers.nats.queue(name).provision(),
      ]),
    );
  });
  afterAll(async () => {
    await Promise.all([
      brokers.rabbit?.close({ timeoutMs: 5_000 }),
      brokers.nats?.close({ timeoutMs: 5_000 }),
    ]);
    await Promise.all([deleteEntities(rabbitPrefix), deleteStreams(natsStreams)]);
  });
  return brokers;
}
