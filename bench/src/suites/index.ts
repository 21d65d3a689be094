import type { Suite } from '../suite.js';

/**
 * Every suite, in run order, loaded only when it runs. Why: each suite imports its broker's SDK
 * (gRPC, the AWS SDK, BullMQ...), and loaded together they left some 25 MiB more on the heap of
 * every run. The memory suite measures GC-bound figures (paced p99, a million sends a second)
 * that must not depend on which other SDKs the process happened to load.
 * Adapters append theirs (amqp, nats, sqs...) and peers (bullmq...).
 */
export const suites: readonly { readonly name: string; load(): Promise<Suite> }[] = [
  { name: 'memory', load: async () => (await import('./memory.js')).memorySuite },
  { name: 'otel', load: async () => (await import('./otel.js')).otelSuite },
  { name: 'pubsub', load: async () => (await import('./pubsub.js')).pubsubSuite },
  { name: 'amqp', load: async () => (await import('./amqp.js')).amqpSuite },
  { name: 'nats', load: async () => (await import('./nats.js')).natsSuite },
  { name: 'sqs', load: async () => (await import('./sqs.js')).sqsSuite },
  { name: 'redis', load: async () => (await import('./redis.js')).redisSuite },
  { name: 'bullmq', load: async () => (await import('./bullmq.js')).bullmqSuite },
  { name: 'postgres', load: async () => (await import('./postgres.js')).postgresSuite },
];
