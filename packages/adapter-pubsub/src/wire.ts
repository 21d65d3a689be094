import {
  type DeadLetterRecord,
  decodeHeaders,
  encodeDeadLetterHeaders,
  encodeMetaHeaders,
  Header,
  type JobMeta,
} from '@polyqueue/core/driver';

/** Pub/Sub refuses attribute values over 1,024 bytes. */
export const MAX_ATTRIBUTE_VALUE_BYTES = 1_024;
/** Pub/Sub's limit for one message: its data plus every attribute's name and value. */
export const PUBSUB_MAX_MESSAGE_BYTES = 10_000_000;

/**
 * polyqueue's attributes on a dead-letter copy, most needed first: the record's reason (without
 * which no record is read back) and source queue (where redrive sends it), the job's identity,
 * the counts and times, then the error's name, message and stack, which are cut or dropped first.
 */
const DEAD_LETTER_PRIORITY: readonly string[] = [
  Header.deadLetterReason,
  Header.sourceQueue,
  Header.id,
  Header.attempts,
  Header.failedAt,
  Header.enqueuedAt,
  Header.attemptOffset,
  Header.orderingKey,
  Header.dedupId,
  Header.errorName,
  Header.errorMessage,
  Header.errorStack,
];
/** Values that may be cut short and still say something; the others are kept whole or dropped. */
const CUTTABLE = new Set<string>([Header.errorName, Header.errorMessage, Header.errorStack]);
/** A cut value shorter than this says nothing: the attribute is dropped instead. */
const MIN_CUT_BYTES = 16;

/** User attributes plus polyqueue's metadata in the header form (`pq-*` attributes). */
export function toAttributes(
  attributes: Readonly<Record<string, string>>,
  meta: JobMeta,
  deadLetter?: DeadLetterRecord,
): Record<string, string> {
  // Copied by a loop, not `{ ...attributes }`: this runs per message sent, and on Node 20 objects
  // built by a spread outlived the young collector (see bench/src/workload.ts).
  const out: Record<string, string> = {};
  for (const name in attributes) out[name] = attributes[name]!;
  encodeMetaHeaders(meta, out);
  if (deadLetter) {
    const headers = encodeDeadLetterHeaders(deadLetter);
    for (const [name, value] of Object.entries(headers))
      out[name] = fitBytes(value, MAX_ATTRIBUTE_VALUE_BYTES);
  }
  return out;
}

/**
 * The attributes of a dead-letter copy of `data`, fitted into Pub/Sub's message limit: a foreign
 * message at (or near) the limit must still reach the dead-letter queue, so polyqueue's own
 * attributes give way, in {@link DEAD_LETTER_PRIORITY} order, to what the message already carries
 * (its data and its user attributes are never cut).
 */
export function toDeadLetterAttributes(
  data: Uint8Array,
  attributes: Readonly<Record<string, string>>,
  meta: JobMeta,
  record: DeadLetterRecord,
  maxMessageBytes = PUBSUB_MAX_MESSAGE_BYTES,
): Record<string, string> {
  const full = toAttributes(attributes, meta, record);
  if (data.byteLength + attributesBytes(full) <= maxMessageBytes) return full;
  const out: Record<string, string> = { ...attributes };
  let room = maxMessageBytes - data.byteLength - attributesBytes(attributes);
  // Metadata not named in the priority list (added by a later version) comes last, whole or not at all.
  const rest = Object.keys(full).filter(
    (name) => !(name in attributes) && !DEAD_LETTER_PRIORITY.includes(name),
  );
  for (const name of [...DEAD_LETTER_PRIORITY, ...rest]) {
    const value = full[name];
    if (value === undefined) continue;
    const nameBytes = Buffer.byteLength(name);
    const cost = nameBytes + Buffer.byteLength(value);
    if (cost <= room) {
      out[name] = value;
      room -= cost;
    } else if (CUTTABLE.has(name) && room - nameBytes >= MIN_CUT_BYTES) {
      out[name] = fitBytes(value, room - nameBytes);
      room -= nameBytes + Buffer.byteLength(out[name]);
    }
  }
  return out;
}

/** A message's size as Pub/Sub (and its Node SDK) counts it: bytes of every name and value. */
export function attributesBytes(attributes: Readonly<Record<string, string>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes))
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

export type DecodedAttributes = ReturnType<typeof decodeHeaders>;

/** Never throws: metadata that does not parse reads as absent (a foreign message). */
export function fromAttributes(attributes: Readonly<Record<string, string>>): DecodedAttributes {
  return decodeHeaders(attributes);
}

/** The time a delay-path message is due, from its `pq-not-before` attribute (0 when absent). */
export function dueAt(attributes: Readonly<Record<string, string>>): number {
  const value = attributes[Header.notBefore];
  if (value === undefined || !/^\d+$/.test(value)) return 0;
  return Number(value);
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function fitBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let end = Math.min(text.length, maxBytes);
  while (end > 0 && Buffer.byteLength(text.slice(0, end)) + 3 > maxBytes) end--;
  // Never end between the two halves of a surrogate pair.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
