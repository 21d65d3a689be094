import { MessageTooLargeError } from '@polyqueue/core';
import type { DeadLetterRecord, JobMeta } from '@polyqueue/core/driver';
import { buildOutgoing, type Placement, type SqsOutgoing } from './outgoing.js';
import type { QueueRef } from './queue-ref.js';
import { messageSize, type SqsAttributes } from './sqs-wire.js';

/**
 * Room kept for a dead letter's record: a work queue is provisioned with a `MaximumMessageSize`
 * this much below its dead-letter queue's, so that the copy of any message it holds, foreign ones
 * at its very limit included, still fits there with its error metadata.
 */
export const RECORD_ROOM_BYTES = 4_096;

/**
 * The dead-letter copy of a job: body and user attributes unchanged, the record in `pq`. SQS counts
 * attributes toward `MaximumMessageSize`, so when the copy does not fit (queues made by hand
 * without that room), the error metadata is cut to fit: the stack first, then the message, then
 * the error name. If not even the record's fixed fields fit, the copy goes as the producer sent
 * it, with no polyqueue metadata (peek shows it without a record, as a letter the native net
 * moved): a dead letter without its reason beats a job that can never leave the work queue.
 */
export function deadLetterCopy(
  body: string,
  attributes: Readonly<Record<string, string>>,
  meta: JobMeta,
  dlq: QueueRef,
  placement: Placement,
  record: DeadLetterRecord,
): SqsOutgoing {
  let fitted: DeadLetterRecord | undefined = record;
  while (fitted !== undefined) {
    try {
      return buildOutgoing(body, attributes, meta, dlq, placement, fitted);
    } catch (error) {
      if (!(error instanceof MessageTooLargeError)) throw error;
      fitted = shorten(fitted, error.sizeBytes - error.limitBytes);
    }
  }
  return bareCopy(body, attributes, dlq, placement);
}

/** Body and user attributes only, as the producer sent them: no polyqueue metadata at all. */
function bareCopy(
  body: string,
  attributes: Readonly<Record<string, string>>,
  dlq: QueueRef,
  placement: Placement,
): SqsOutgoing {
  const sqsAttributes: SqsAttributes = {};
  for (const name in attributes) sqsAttributes[name] = { DataType: 'String', StringValue: attributes[name]! };
  const size = messageSize(body, sqsAttributes);
  if (size > dlq.maxBytes) throw new MessageTooLargeError(size, dlq.maxBytes);
  return { body, attributes: sqsAttributes, size, ...placement };
}

/** The record `overBytes` (or more) shorter, or undefined when nothing is left to cut. */
function shorten(record: DeadLetterRecord, overBytes: number): DeadLetterRecord | undefined {
  if (record.errorStack !== undefined) {
    const { errorStack: _, ...rest } = record;
    return rest;
  }
  if (record.errorMessage !== '') return { ...record, errorMessage: cut(record.errorMessage, overBytes) };
  if (record.errorName !== '') return { ...record, errorName: cut(record.errorName, overBytes) };
  return undefined;
}

const ELLIPSIS = '…';

/**
 * `text` at least `overBytes` UTF-8 bytes shorter, ending in an ellipsis, cut between code
 * points. JSON escaping never makes a character shorter, so the encoded record shrinks as much.
 */
function cut(text: string, overBytes: number): string {
  const keep = Buffer.byteLength(text) - overBytes - Buffer.byteLength(ELLIPSIS);
  if (keep <= 0) return '';
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > keep) break;
    bytes += size;
    end += char.length;
  }
  return `${text.slice(0, end)}${ELLIPSIS}`;
}
