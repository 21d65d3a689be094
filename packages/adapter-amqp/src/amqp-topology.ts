import type { QueueTopology } from '@polyqueue/core/driver';
import type { AmqpChannel } from './amqp-client.js';
import { levelPattern, type NativeNames, targetWord } from './amqp-names.js';
import type { QueueType } from './amqp-options.js';

/**
 * How far above `maxAttempts` the quorum `x-delivery-limit` sits. RabbitMQ 3.10 allows limit + 1
 * deliveries; the core dead-letters a crash-looping job itself on delivery maxAttempts + 1
 * ('exhausted', with metadata), so the native net (limit maxAttempts + 1, hence maxAttempts + 2
 * deliveries) only catches what the core could not see, e.g. a worker killed while dead-lettering.
 */
export const DELIVERY_LIMIT_MARGIN = 1;

/** Queue arguments shared by every queue this driver declares. */
function typeArguments(type: QueueType): Record<string, unknown> {
  return type === 'quorum' ? { 'x-queue-type': 'quorum' } : { 'x-queue-type': 'classic' };
}

/**
 * Dead-lettering that survives a broker crash: quorum queues then keep a message until the target
 * confirms it (requires `reject-publish` overflow). Classic queues dead-letter at most once.
 */
function safeDeadLettering(type: QueueType): Record<string, unknown> {
  return type === 'quorum'
    ? { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' }
    : {};
}

/** Declares the shared delay cascade. Idempotent, like every declaration here. */
export async function declareCascade(
  channel: AmqpChannel,
  names: NativeNames,
  type: QueueType,
  levels: number,
): Promise<void> {
  await channel.assertExchange(names.deliver, 'topic', { durable: true });
  for (let k = 0; k < levels; k++) {
    const level = names.level(k);
    const below = k === 0 ? names.deliver : names.level(k - 1);
    await channel.assertExchange(level, 'topic', { durable: true });
    await channel.assertQueue(level, {
      durable: true,
      arguments: {
        ...typeArguments(type),
        ...safeDeadLettering(type),
        'x-message-ttl': 2 ** k,
        'x-dead-letter-exchange': below,
      },
    });
    await channel.bindQueue(level, level, levelPattern(k, 1));
    await channel.bindExchange(below, level, levelPattern(k, 0));
  }
}

/**
 * Declares a work queue and its dead-letter queue, and binds the work queue to the cascade's
 * deliver exchange. Quorum work queues dead-letter natively (x-delivery-limit) to the DLQ.
 */
export async function declareQueue(
  channel: AmqpChannel,
  names: NativeNames,
  type: QueueType,
  queue: QueueTopology,
): Promise<void> {
  const work = names.queue(queue.name);
  const dlq = names.queue(queue.deadLetterName);
  await channel.assertQueue(dlq, { durable: true, arguments: typeArguments(type) });
  const native =
    type === 'quorum'
      ? {
          ...safeDeadLettering(type),
          'x-delivery-limit': queue.maxAttempts + DELIVERY_LIMIT_MARGIN,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': dlq,
        }
      : {};
  await channel.assertQueue(work, { durable: true, arguments: { ...typeArguments(type), ...native } });
  await channel.bindQueue(work, names.deliver, `#.${targetWord(work)}`);
}
