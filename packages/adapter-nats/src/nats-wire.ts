import {
  type DeadLetterRecord,
  decodeHeaders,
  encodeDeadLetterHeaders,
  encodeMetaHeaders,
  Header,
  type Headers,
  type JobMeta,
} from '@polyqueue/core/driver';
import { NatsInvalidHeaderError } from './nats-errors.js';

/**
 * The header form of docs/wire-format.md on NATS message headers, with two NATS specifics:
 * - NATS headers cannot carry CR or LF, yet error messages and stacks have them. In
 *   `pq-dl-error-message` and `pq-dl-error-stack` only, `%`, CR and LF are percent-encoded
 *   (`%25`, `%0D`, `%0A`). A user attribute with CR or LF is refused at send.
 * - Headers named `Nats-*` are instructions to the server (`Nats-Msg-Id`, `Nats-Expected-*`,
 *   `Nats-TTL`...), not user data: a user attribute may not take such a name, and a received
 *   message's `Nats-*` headers are not attributes (so republishing a copy never replays them).
 */
const SERVER_HEADER = /^nats-/i;
const LINE_BREAK = /[\r\n]/;
const ESCAPED_FIELDS = [Header.errorMessage, Header.errorStack] as const;

export interface DecodedMessage {
  readonly meta: Partial<JobMeta>;
  readonly attributes: Headers;
  readonly deadLetter?: DeadLetterRecord;
}

/** Headers for a job: its user attributes and its metadata. Throws NatsInvalidHeaderError. */
export function jobHeaders(attributes: Readonly<Record<string, string>>, meta: JobMeta): Headers {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (SERVER_HEADER.test(name))
      throw new NatsInvalidHeaderError(
        `attribute "${name}": names starting with "Nats-" are reserved by NATS`,
      );
    if (LINE_BREAK.test(value) || LINE_BREAK.test(name))
      throw new NatsInvalidHeaderError(`attribute "${name}": NATS headers cannot contain CR or LF`);
    headers[name] = value;
  }
  return encodeMetaHeaders(meta, headers);
}

/** Headers for a dead letter: the job's headers plus the record, escaped where NATS needs it. */
export function deadLetterHeaders(
  attributes: Readonly<Record<string, string>>,
  meta: JobMeta,
  record: DeadLetterRecord,
): Headers {
  const headers = encodeDeadLetterHeaders(record, jobHeaders(attributes, meta));
  for (const field of ESCAPED_FIELDS) {
    const value = headers[field];
    if (value !== undefined) headers[field] = escapeLineBreaks(value);
  }
  return headers;
}

export function decodeMessage(headers: Readonly<Record<string, string>>): DecodedMessage {
  const decoded = decodeHeaders(headers);
  // Copied only when a server header is there to leave out: this runs for every delivery.
  let attributes = decoded.attributes;
  for (const name in attributes) {
    if (!SERVER_HEADER.test(name)) continue;
    attributes = {};
    for (const [key, value] of Object.entries(decoded.attributes))
      if (!SERVER_HEADER.test(key)) attributes[key] = value;
    break;
  }
  if (!decoded.deadLetter) return { meta: decoded.meta, attributes };
  const record = decoded.deadLetter;
  const deadLetter: DeadLetterRecord = {
    ...record,
    errorMessage: unescapeLineBreaks(record.errorMessage),
    ...(record.errorStack !== undefined ? { errorStack: unescapeLineBreaks(record.errorStack) } : {}),
  };
  return { meta: decoded.meta, attributes, deadLetter };
}

export function escapeLineBreaks(value: string): string {
  return value.replace(/[%\r\n]/g, (char) => (char === '%' ? '%25' : char === '\r' ? '%0D' : '%0A'));
}

export function unescapeLineBreaks(value: string): string {
  return value.replace(/%(25|0D|0A)/g, (_, code: string) =>
    code === '25' ? '%' : code === '0D' ? '\r' : '\n',
  );
}
