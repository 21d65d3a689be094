import type { Suite } from '../suite.js';
import { amqpSuite } from './amqp.js';
import { bullmqSuite } from './bullmq.js';
import { memorySuite } from './memory.js';
import { natsSuite } from './nats.js';
import { otelSuite } from './otel.js';
import { pubsubSuite } from './pubsub.js';
import { redisSuite } from './redis.js';
import { sqsSuite } from './sqs.js';

/** Every suite, in run order. Adapters append theirs (amqp, nats, sqs...) and peers (bullmq...). */
export const suites: readonly Suite[] = [
  memorySuite,
  otelSuite,
  pubsubSuite,
  amqpSuite,
  natsSuite,
  sqsSuite,
  redisSuite,
  bullmqSuite,
];
