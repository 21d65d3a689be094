/**
 * `messaging.system` per the OpenTelemetry messaging conventions. NATS, Redis and the in-memory
 * adapter have no registered value: we use `nats`, `redis` and `polyqueue_memory`
 * (docs/observability.md).
 */
const SYSTEMS: Readonly<Record<string, string>> = {
  sqs: 'aws_sqs',
  pubsub: 'gcp_pubsub',
  amqp: 'rabbitmq',
  servicebus: 'servicebus',
  nats: 'nats',
  redis: 'redis',
  memory: 'polyqueue_memory',
};

export function messagingSystem(adapter: string): string {
  return SYSTEMS[adapter] ?? adapter;
}
