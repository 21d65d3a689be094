import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { type DeadLetterRecord, encodeDeadLetterHeaders, Header, truncate } from '@polyqueue/core/driver';
import type { DeadLetterProperties } from './bus/bus-client.js';
import { bodyBytes } from './message-codec.js';

/** Service Bus keeps `DeadLetterReason` and `DeadLetterErrorDescription` short; so does polyqueue. */
const MAX_REASON_CHARS = 128;
const MAX_DESCRIPTION_CHARS = 1_024;
/** A cut value shorter than this says nothing: the property is left out instead. */
const MIN_CUT_CHARS = 16;

/** The names Service Bus stores the reason and description under, as application properties. */
const REASON = 'DeadLetterReason';
const DESCRIPTION = 'DeadLetterErrorDescription';

/**
 * What a dead-letter operation adds, most needed first: the reasons (native and polyqueue's, without
 * which no record is read back), the source queue, counts and times, then the error's name, the
 * description, the message and the stack, which are cut or left out first.
 */
const PRIORITY: readonly string[] = [
  REASON,
  Header.deadLetterReason,
  Header.sourceQueue,
  Header.attempts,
  Header.failedAt,
  Header.errorName,
  DESCRIPTION,
  Header.errorMessage,
  Header.errorStack,
];
const CUTTABLE = new Set<string>([Header.errorName, DESCRIPTION, Header.errorMessage, Header.errorStack]);

/**
 * The options of `deadLetterMessage` for `record`, fitted into `maxNativeBytes`. Service Bus adds
 * the reason, the description and the properties to the message, and refuses the operation when
 * the message then exceeds its size limit (the dead-letter queue documentation warns of this on
 * the Standard tier): a message near the limit, such as a foreign producer's, could then never be
 * dead-lettered. So what polyqueue adds gives way, in priority order, to the message itself; at
 * the limit it is dead-lettered with nothing added. Sizes count UTF-8 bytes of the body and of
 * each property's name and value, an estimate of the service's own accounting.
 */
export function deadLetterOptions(
  message: ServiceBusReceivedMessage,
  record: DeadLetterRecord,
  maxNativeBytes: number,
): DeadLetterProperties {
  const wanted: Record<string, string> = {
    [REASON]: truncate(record.reason, MAX_REASON_CHARS),
    [DESCRIPTION]: truncate(`${record.errorName}: ${record.errorMessage}`, MAX_DESCRIPTION_CHARS),
    ...encodeDeadLetterHeaders(record),
  };
  let room = maxNativeBytes - messageBytes(message);
  const fitted: Record<string, string> = {};
  for (const name of PRIORITY) {
    const value = wanted[name];
    if (value === undefined) continue;
    const cost = Buffer.byteLength(name) + Buffer.byteLength(value);
    if (cost <= room) {
      fitted[name] = value;
      room -= cost;
      continue;
    }
    const left = room - Buffer.byteLength(name);
    if (!CUTTABLE.has(name) || left < MIN_CUT_CHARS) continue;
    const cut = cutToBytes(value, left);
    fitted[name] = cut;
    room -= Buffer.byteLength(name) + Buffer.byteLength(cut);
  }
  const { [REASON]: reason, [DESCRIPTION]: description, ...properties } = fitted;
  return {
    ...(reason !== undefined ? { deadLetterReason: reason } : {}),
    ...(description !== undefined ? { deadLetterErrorDescription: description } : {}),
    ...properties,
  };
}

/** `text` cut (with an ellipsis) to at most `maxBytes` of UTF-8. */
function cutToBytes(text: string, maxBytes: number): string {
  let chars = Math.min(text.length, maxBytes);
  let cut = truncate(text, chars);
  // Each pass removes at least the excess in characters, since a character is at least one byte.
  while (Buffer.byteLength(cut) > maxBytes) {
    chars -= Buffer.byteLength(cut) - maxBytes;
    cut = truncate(text, chars);
  }
  return cut;
}

/** The message's body and application properties, in bytes. */
export function messageBytes(message: ServiceBusReceivedMessage): number {
  let bytes = bodyBytes(message.body).byteLength;
  for (const [name, value] of Object.entries(message.applicationProperties ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(propertyText(value));
  }
  return bytes;
}

function propertyText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
