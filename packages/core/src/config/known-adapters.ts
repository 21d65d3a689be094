/**
 * Built-in schemes and the package that implements each. Packages are imported lazily, so an
 * application installs only the adapters it uses.
 */
export const KNOWN_ADAPTER_PACKAGES: Readonly<Record<string, string>> = {
  amqp: '@polyqueue/adapter-amqp',
  amqps: '@polyqueue/adapter-amqp',
  nats: '@polyqueue/adapter-nats',
  sqs: '@polyqueue/adapter-sqs',
  pubsub: '@polyqueue/adapter-pubsub',
  servicebus: '@polyqueue/adapter-servicebus',
  redis: '@polyqueue/adapter-redis',
  rediss: '@polyqueue/adapter-redis',
  postgres: '@polyqueue/adapter-postgres',
  postgresql: '@polyqueue/adapter-postgres',
  sqlite: '@polyqueue/adapter-postgres',
};
