import { randomUUID } from 'node:crypto';
import {
  type DeadLetterRecord,
  type DecodedHeaders,
  decodeHeaders,
  encodeDeadLetterHeaders,
  encodeMetaHeaders,
  type JobMeta,
} from '@polyqueue/core/driver';
import type { AmqpMessage, PublishOptions } from './amqp-client.js';

/**
 * Headers RabbitMQ itself adds while a message travels (dead-lettering through the delay
 * cascade, quorum delivery counting). They describe the broker's handling, not the job, so they
 * are neither user attributes nor copied onto republished copies.
 */
const BROKER_HEADERS = /^x-(death|first-death-.*|last-death-.*|delivery-count)$/i;

/** Publish properties of a polyqueue message: persistent, id in `messageId`, metadata in headers. */
export function publishOptions(
  attributes: Readonly<Record<string, string>>,
  meta: JobMeta,
  deadLetter?: DeadLetterRecord,
): PublishOptions {
  const headers: Record<string, string> = { ...attributes };
  encodeMetaHeaders(meta, headers);
  if (deadLetter) encodeDeadLetterHeaders(deadLetter, headers);
  return { persistent: true, mandatory: true, messageId: meta.id, headers };
}

/** What the driver reads from a received message. */
export interface ReceivedMessage extends DecodedHeaders {
  /** Job id, never empty: `pq-id`, else the AMQP `messageId`, else a fresh UUID (see README). */
  readonly id: string;
  /**
   * 1-based. Quorum queues count returns in `x-delivery-count` (absent on the first delivery).
   * Classic queues keep no count: 1, or 2 when the broker flags a redelivery.
   */
  readonly deliveryCount: number;
}

export function readMessage(message: AmqpMessage): ReceivedMessage {
  const raw = message.properties.headers ?? {};
  const strings: Record<string, string> = {};
  let native: number | undefined;
  for (const [name, value] of Object.entries(raw)) {
    if (BROKER_HEADERS.test(name)) {
      if (name.toLowerCase() === 'x-delivery-count' && typeof value === 'number') native = value;
      continue;
    }
    const text = headerText(value);
    if (text !== undefined) strings[name] = text;
  }
  const decoded = decodeHeaders(strings);
  const messageId = message.properties.messageId as unknown;
  const id =
    decoded.meta.id ?? (typeof messageId === 'string' && messageId !== '' ? messageId : randomUUID());
  const redelivered = 'redelivered' in message.fields && message.fields.redelivered;
  const deliveryCount = native !== undefined ? native + 1 : redelivered ? 2 : 1;
  return { ...decoded, id, deliveryCount };
}

/** AMQP header values are typed (strings, numbers, byte arrays, tables...): read each as text. */
function headerText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}
