import {
  type DeadLetterRecord,
  decodeHeaders,
  encodeDeadLetterHeaders,
  encodeMetaHeaders,
  type Headers,
  type JobMeta,
} from '@polyqueue/core/driver';
import { RedisReservedFieldError } from './redis-errors.js';

/**
 * The wire format on Redis (docs/wire-format.md, header form): a stream entry whose field `body`
 * holds the serialized payload, whose `pq-*` fields hold polyqueue's metadata (and, on a dead
 * letter, its error record), and whose every other field is a user attribute. A plain
 * `XADD key * body '{"a":1}' tenant t1` is a valid job; a plain XREADGROUP reads ours.
 */
export const BODY_FIELD = 'body';

/** One stream entry as the server returns it. */
export interface StreamEntry {
  readonly id: string;
  /** Field names and values, alternating, as Buffers. */
  readonly fields: readonly Buffer[];
}

/** The fields of an entry, ready for XADD (or for a delayed member). */
export function entryFields(
  body: Uint8Array,
  attributes: Readonly<Record<string, string>>,
  meta: JobMeta,
  record?: DeadLetterRecord,
): (string | Buffer)[] {
  if (Object.hasOwn(attributes, BODY_FIELD)) throw new RedisReservedFieldError(BODY_FIELD);
  const headers: Headers = encodeMetaHeaders(meta);
  if (record !== undefined) encodeDeadLetterHeaders(record, headers);
  const fields: (string | Buffer)[] = [
    BODY_FIELD,
    Buffer.from(body.buffer, body.byteOffset, body.byteLength),
  ];
  for (const [name, value] of Object.entries(headers)) fields.push(name, value);
  for (const [name, value] of Object.entries(attributes)) fields.push(name, value);
  return fields;
}

/**
 * What an entry carries. Never throws: an entry without a `body` field (a foreign producer's)
 * has an empty body, which the worker dead-letters as undecodable, keeping its fields.
 */
export function decodeEntry(entry: StreamEntry): {
  body: Uint8Array;
  attributes: Headers;
  meta: Partial<JobMeta>;
  deadLetter?: DeadLetterRecord;
} {
  let body: Uint8Array | undefined;
  const headers: Record<string, string> = {};
  const { fields } = entry;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toString('utf8');
    if (name === BODY_FIELD && body === undefined) body = fields[i + 1]!;
    else headers[name] = fields[i + 1]!.toString('utf8');
  }
  const decoded = decodeHeaders(headers);
  return {
    body: body ?? new Uint8Array(0),
    attributes: decoded.attributes,
    meta: decoded.meta,
    ...(decoded.deadLetter ? { deadLetter: decoded.deadLetter } : {}),
  };
}

/** Entries from an XRANGE / XAUTOCLAIM reply: `[[id, [field, value, ...]], ...]`. */
export function toEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: StreamEntry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || !Array.isArray(item[1])) continue; // an entry deleted meanwhile
    entries.push({ id: String(item[0]), fields: item[1] as Buffer[] });
  }
  return entries;
}
