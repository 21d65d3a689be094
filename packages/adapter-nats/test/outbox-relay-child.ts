// An outbox relay in a process of its own, for outbox-relay.fault.test.ts: the test SIGKILLs it
// mid-stream and runs it again. Two relays from one outbox: its queue `relay-a` to RabbitMQ and
// `relay-n` to NATS. It tells the parent its running total after every batch (relayed = on the
// target, confirmed, and acked on the outbox), and closes gracefully on SIGTERM.
import { createOutboxRelay, type OutboxRelay } from '@polyqueue/core';

const [outboxUrl, amqpUrl, natsUrl, leaseMs] = process.argv.slice(2) as [string, string, string, string];
const send = (message: unknown) => process.send?.(message);
const queueOptions = { leaseMs: Number(leaseMs) };

let relayed = 0;
const relays: OutboxRelay[] = [];
for (const [queue, to] of [
  ['relay-a', amqpUrl],
  ['relay-n', natsUrl],
] as const) {
  const relay = await createOutboxRelay({ from: outboxUrl, to, queues: [queue], queueOptions });
  relay.on('batch', (batch) => {
    relayed += batch.count;
    send({ relayed });
  });
  relay.on('error', (error) => send({ error: error.message }));
  relays.push(relay);
}
send({ ready: true });

process.on('SIGTERM', () => {
  void Promise.all(relays.map((relay) => relay.close({ timeoutMs: 10_000 }))).then(() => process.exit(0));
});
