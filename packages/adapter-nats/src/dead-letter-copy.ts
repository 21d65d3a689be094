import { createHash } from 'node:crypto';
import type { DeadLetterRecord, JobMeta } from '@polyqueue/core/driver';
import type { HeaderMap } from './nats-client.js';
import { deadLetterHeaders } from './nats-wire.js';
import type { QueueContext } from './queue-context.js';

/**
 * Dead-letter copies that always fit in the server's `max_payload`, which bounds headers and body
 * together. A copy adds the `pq-dl-*` record to the job's headers, so a message near the limit
 * (a foreign one, or one with a long error stack) would not fit, fail to dead-letter on every
 * delivery, and end stranded in the work stream. In order, until it fits:
 * 1. the error stack is cut (its end first), then the error message, each marked with CUT_MARK;
 * 2. failing that (the body itself leaves no room for the record), the body and the attributes
 *    move to the dead-letter queue's body stream (`<p>_B_<dlq>`), exactly as they came, on a
 *    subject of their own (`<p>.b.<dlq>.<token>`, the token a hash of the copy's dedup id), and
 *    the dead letter is the record alone, with an empty body and `pq-dl-body-ref` = the token.
 *    Peek and redrive read the body back through the reference. The body stream keeps one
 *    message per subject, so a retried copy replaces its body instead of leaving a second one.
 */
export const BODY_REF_HEADER = 'pq-dl-body-ref';
export const CUT_MARK = ' [cut to fit max_payload]';

/** NATS's header block: `NATS/1.0`, `\r\nName: value` per header, `\r\n\r\n` (nats-core headers.js). */
const HEADER_LINE_OVERHEAD = 4; // "\r\n" before and ": " within each line
const HEADER_BLOCK_OVERHEAD = 'NATS/1.0'.length + 4;
const MSG_ID_HEADER = 'Nats-Msg-Id';
const EMPTY = new Uint8Array(0);

export interface DeadLetterCopy {
  readonly body: Uint8Array;
  readonly attributes: HeaderMap;
  readonly meta: JobMeta;
  readonly record: DeadLetterRecord;
  /** The copy's `Nats-Msg-Id`: a retried copy of the same delivery is dropped by the stream. */
  readonly msgId: string;
}

/** Confirmed publish of a dead letter to the queue's dead-letter stream, cut or split to fit. */
export async function publishDeadLetter(queue: QueueContext, copy: DeadLetterCopy): Promise<void> {
  const { client, deadLetterNames } = queue;
  const limit = client.maxPayload;
  const withBody = fitRecord(
    copy.record,
    (record) => deadLetterHeaders(copy.attributes, copy.meta, record),
    copy.body.length + headerBytes({}, copy.msgId),
    limit,
  );
  if (withBody !== undefined) {
    await client.publish(deadLetterNames.subject, copy.body, { headers: withBody, msgId: copy.msgId });
    return;
  }
  const token = await storeBody(queue, copy);
  const recordOnly = fitRecord(
    copy.record,
    (record) => ({ ...deadLetterHeaders({}, copy.meta, record), [BODY_REF_HEADER]: token }),
    headerBytes({}, copy.msgId),
    limit,
  );
  // Only metadata of bounded size is left (ids, times, names): it fits any real max_payload.
  if (recordOnly === undefined)
    throw new Error(`the dead-letter record does not fit in max_payload ${limit}`);
  await client.publish(deadLetterNames.subject, EMPTY, { headers: recordOnly, msgId: copy.msgId });
}

/**
 * The body and attributes, as the job came (they fit then, without polyqueue's record), in the
 * body stream; resolves with the token naming their subject there.
 */
async function storeBody(queue: QueueContext, copy: DeadLetterCopy): Promise<string> {
  const { client, deadLetterNames, settings } = queue;
  // Rare, so made when first needed rather than beside every queue (idempotent).
  await client.ensureStream({
    name: deadLetterNames.bodyStream,
    subject: `${deadLetterNames.bodySubject}.*`,
    duplicateWindowMs: settings.dedupWindowMs,
    limits: { maxMsgsPerSubject: 1 },
  });
  const token = bodyToken(copy.msgId);
  await client.publish(bodySubjectOf(queue, token), copy.body, { headers: copy.attributes });
  return token;
}

/** A subject token for a copy: subject tokens cannot hold the dedup id's characters as they are. */
function bodyToken(msgId: string): string {
  return createHash('sha256').update(msgId).digest('hex').slice(0, 32);
}

export function bodySubjectOf(queue: QueueContext, token: string): string {
  return `${queue.deadLetterNames.bodySubject}.${token}`;
}

/**
 * The headers `build` makes from `record`, cut (stack first, then message) until `otherBytes`
 * plus them fit in `limit`; undefined when even an empty error does not fit.
 */
export function fitRecord(
  record: DeadLetterRecord,
  build: (record: DeadLetterRecord) => Record<string, string>,
  otherBytes: number,
  limit: number,
): Record<string, string> | undefined {
  const fits = (candidate: DeadLetterRecord) => otherBytes + headerBytes(build(candidate)) <= limit;
  if (fits(record)) return build(record);
  let current = record;
  if (current.errorStack !== undefined) {
    const { errorStack, ...withoutStack } = current;
    const stack = longestFitting(errorStack, (text) => fits({ ...current, errorStack: text }));
    if (stack !== undefined) return build({ ...current, errorStack: stack });
    current = withoutStack;
  }
  const message = longestFitting(current.errorMessage, (text) => fits({ ...current, errorMessage: text }));
  return message === undefined ? undefined : build({ ...current, errorMessage: message });
}

/** `text` if it fits, else its longest start that fits with CUT_MARK appended; else undefined. */
function longestFitting(text: string, fits: (text: string) => boolean): string | undefined {
  if (fits(text)) return text;
  const cut = (length: number) => {
    // Never split a surrogate pair: half a character is not a shorter text.
    const end = length > 0 && /[\uD800-\uDBFF]/.test(text[length - 1]!) ? length - 1 : length;
    return text.slice(0, end) + CUT_MARK;
  };
  if (!fits(cut(0))) return undefined;
  let fitting = 0;
  let tooLong = text.length;
  while (tooLong - fitting > 1) {
    const middle = Math.floor((fitting + tooLong) / 2);
    if (fits(cut(middle))) fitting = middle;
    else tooLong = middle;
  }
  return cut(fitting);
}

/** Bytes of the header block the SDK writes for `headers` (plus `Nats-Msg-Id`); 0 for none. */
export function headerBytes(headers: HeaderMap, msgId?: string): number {
  let bytes = 0;
  let any = false;
  for (const name in headers) {
    bytes += HEADER_LINE_OVERHEAD + Buffer.byteLength(name) + Buffer.byteLength(headers[name]!);
    any = true;
  }
  if (msgId !== undefined) {
    bytes += HEADER_LINE_OVERHEAD + MSG_ID_HEADER.length + Buffer.byteLength(msgId);
    any = true;
  }
  return any ? HEADER_BLOCK_OVERHEAD + bytes : 0;
}
