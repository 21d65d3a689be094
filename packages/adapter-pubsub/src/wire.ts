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

/** User attributes plus polyqueue's metadata in the header form (`pq-*` attributes). */
export function toAttributes(
  attributes: Readonly<Record<string, string>>,
  meta: JobMeta,
  deadLetter?: DeadLetterRecord,
): Record<string, string> {
  const out = encodeMetaHeaders(meta, { ...attributes });
  if (deadLetter) {
    const headers = encodeDeadLetterHeaders(deadLetter);
    for (const [name, value] of Object.entries(headers))
      out[name] = fitBytes(value, MAX_ATTRIBUTE_VALUE_BYTES);
  }
  return out;
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
