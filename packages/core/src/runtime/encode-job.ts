import type { Capabilities } from '../driver/capabilities.js';
import type { OutgoingMessage } from '../driver/outgoing-message.js';
import { MessageTooLargeError } from '../errors/message-too-large-error.js';
import { SerializationError } from '../errors/serialization-error.js';
import { UnsupportedFeatureError } from '../errors/unsupported-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { Serializer } from '../serialization/serializer.js';
import { randomId } from '../util/uuid.js';
import { isReservedHeader } from '../wire/headers.js';
import type { SendOptions } from './options.js';

const MAX_KEY_CHARS = 128;
const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Turns one payload into a message the driver can publish, or throws the typed error that says
 * why not. Runs before any network call, so a bad item fails alone and nothing is sent (P2–P4).
 */
export function encodeJob(
  payload: unknown,
  options: SendOptions | undefined,
  serializer: Serializer,
  capabilities: Capabilities,
  adapter: string,
  now: number,
): OutgoingMessage {
  let body: Uint8Array;
  try {
    body = serializer.serialize(payload);
  } catch (cause) {
    throw new SerializationError(
      `Payload cannot be serialized as ${serializer.contentType}: ${String(cause)}`,
      cause,
    );
  }
  if (options === undefined) {
    checkSize(body.byteLength, capabilities);
    return { body, attributes: NO_ATTRIBUTES, meta: { id: randomId(), attemptOffset: 0, enqueuedAt: now } };
  }
  const attributes = options.attributes ? checkAttributes(options.attributes) : NO_ATTRIBUTES;
  let size = body.byteLength;
  for (const name in attributes) size += Buffer.byteLength(name) + Buffer.byteLength(attributes[name]!);
  checkSize(size, capabilities);
  const notBefore = resolveNotBefore(options, now);
  if (options.orderingKey !== undefined) {
    if (!capabilities.ordering) throw new UnsupportedFeatureError('ordering', adapter);
    checkKey('orderingKey', options.orderingKey);
  }
  if (options.dedupId !== undefined) {
    if (!capabilities.dedup) throw new UnsupportedFeatureError('dedup', adapter);
    checkKey('dedupId', options.dedupId);
  }
  return {
    body,
    attributes,
    meta: {
      id: randomId(),
      attemptOffset: 0,
      enqueuedAt: now,
      ...(notBefore !== undefined ? { notBefore } : {}),
      ...(options.orderingKey !== undefined ? { orderingKey: options.orderingKey } : {}),
      ...(options.dedupId !== undefined ? { dedupId: options.dedupId } : {}),
    },
  };
}

function checkSize(size: number, capabilities: Capabilities): void {
  if (size > capabilities.maxMessageBytes) throw new MessageTooLargeError(size, capabilities.maxMessageBytes);
}

function resolveNotBefore(options: SendOptions, now: number): number | undefined {
  const { delay, notBefore } = options;
  if (delay !== undefined && notBefore !== undefined) {
    throw new ValidationError('Give either delay or notBefore, not both');
  }
  if (delay !== undefined) {
    if (!Number.isFinite(delay) || delay < 0)
      throw new ValidationError(`delay must be ms >= 0, got ${delay}`);
    return delay === 0 ? undefined : now + Math.ceil(delay);
  }
  if (notBefore !== undefined) {
    const at = notBefore instanceof Date ? notBefore.getTime() : notBefore;
    if (!Number.isFinite(at)) throw new ValidationError('notBefore must be a valid Date or epoch ms');
    return at > now ? Math.ceil(at) : undefined;
  }
  return undefined;
}

function checkAttributes(attributes: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value !== 'string') {
      throw new ValidationError(`Attribute "${name}" must be a string, got ${typeof value}`, [
        { message: 'must be a string', path: ['attributes', name] },
      ]);
    }
    if (name === '' || isReservedHeader(name)) {
      throw new ValidationError(
        `Attribute name "${name}" is empty or reserved (the "pq-" prefix belongs to polyqueue)`,
        [{ message: 'reserved or empty name', path: ['attributes', name] }],
      );
    }
  }
  return attributes;
}

function checkKey(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_CHARS) {
    throw new ValidationError(`${name} must be a non-empty string of at most ${MAX_KEY_CHARS} characters`);
  }
}
