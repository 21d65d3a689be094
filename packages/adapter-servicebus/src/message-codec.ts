import type { ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import { decodeHeaders, encodeMetaHeaders, type JobMeta, type OutgoingMessage } from '@polyqueue/core/driver';
import type { PropertyValues } from './bus/bus-client.js';

/**
 * How many times this copy was given back unstarted (`release`). Service Bus counts an abandon as
 * a delivery and offers no way not to, so the driver remembers releases here and leaves them out
 * of the delivery count it reports.
 */
export const RELEASES_PROPERTY = 'pq-releases';

/** Only the first send of a job uses its dedupId as messageId; copies must not be taken for duplicates. */
export type MessageIdentity = { readonly messageId: string; readonly sessionId?: string };

/** An outgoing polyqueue message as a `ServiceBusMessage`: body bytes, metadata in application properties. */
export function toServiceBusMessage(
  message: {
    readonly body: Uint8Array;
    readonly attributes: Readonly<Record<string, string>>;
    readonly meta: JobMeta;
  },
  identity: MessageIdentity,
): ServiceBusMessage {
  const applicationProperties: PropertyValues = { ...message.attributes };
  encodeMetaHeaders(message.meta, applicationProperties as Record<string, string>);
  const sbMessage: ServiceBusMessage = {
    // A Buffer travels as an AMQP data section: plain bytes that any client in any language reads.
    body: Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength),
    messageId: identity.messageId,
    applicationProperties,
  };
  if (identity.sessionId !== undefined) sbMessage.sessionId = identity.sessionId;
  return sbMessage;
}

/** The identity of a first send: messageId = dedupId when given (duplicate detection), else the job id. */
export function firstSendIdentity(message: OutgoingMessage, sessions: boolean): MessageIdentity {
  const { meta } = message;
  return {
    messageId: meta.dedupId ?? meta.id,
    ...(sessions ? { sessionId: meta.orderingKey ?? meta.id } : {}),
  };
}

/** What a received message says, in the driver's terms. */
export interface DecodedMessage {
  readonly body: Uint8Array;
  readonly attributes: Record<string, string>;
  readonly meta: Partial<JobMeta> & { readonly id: string };
  readonly deadLetter: ReturnType<typeof decodeHeaders>['deadLetter'];
  readonly releases: number;
}

/** Properties Service Bus itself adds to a dead-lettered message: not the user's attributes. */
const NATIVE_DEAD_LETTER_PROPERTIES = ['DeadLetterReason', 'DeadLetterErrorDescription'];

export function decodeReceived(message: ServiceBusReceivedMessage): DecodedMessage {
  const decoded = decodeHeaders(message.applicationProperties ?? {});
  if (message.deadLetterReason !== undefined || message.deadLetterErrorDescription !== undefined) {
    for (const name of NATIVE_DEAD_LETTER_PROPERTIES) delete decoded.attributes[name];
  }
  const releases = Number(message.applicationProperties?.[RELEASES_PROPERTY] ?? 0);
  const id = decoded.meta.id ?? nativeId(message);
  return {
    body: bodyBytes(message.body),
    attributes: decoded.attributes,
    meta: { ...decoded.meta, id },
    deadLetter: decoded.deadLetter,
    releases: Number.isSafeInteger(releases) && releases > 0 ? releases : 0,
  };
}

/**
 * The Service Bus delivery count, 1-based and without releases. The JS SDK reports the AMQP
 * header's count of earlier deliveries (0 the first time), so one is added here.
 */
export function deliveryCountOf(message: ServiceBusReceivedMessage, releases: number): number {
  return Math.max(1, (message.deliveryCount ?? 0) + 1 - releases);
}

function nativeId(message: ServiceBusReceivedMessage): string {
  if (message.messageId !== undefined) return String(message.messageId);
  if (message.sequenceNumber !== undefined) return `sb-${message.sequenceNumber.toString()}`;
  return 'sb-unknown';
}

/**
 * A foreign producer may send any AMQP body: bytes arrive as a Buffer, a string as a string, and
 * a JS value sent by another JS client as that value, which is read back as JSON.
 */
export function bodyBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body === undefined) return new Uint8Array(0);
  return Buffer.from(JSON.stringify(body) ?? '', 'utf8');
}
