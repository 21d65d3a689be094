import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { DeadLetterRecord, JobMeta } from '@polyqueue/core/driver';
import { COMPACT_KEY, decodeCompact, encodeCompact, isReservedHeader } from '@polyqueue/core/driver';

/**
 * SQS carries polyqueue's metadata in ONE message attribute, `pq` (the compact form of
 * docs/wire-format.md), because SQS allows 10 attributes in all: a job keeps 9 for its user.
 */
export const MAX_USER_ATTRIBUTES = 9;

export type SqsAttributes = Record<string, MessageAttributeValue>;

export function encodeAttributes(
  attributes: Readonly<Record<string, string>>,
  meta: JobMeta,
  deadLetter?: DeadLetterRecord,
): SqsAttributes {
  const out: SqsAttributes = {};
  for (const name in attributes) out[name] = { DataType: 'String', StringValue: attributes[name]! };
  out[COMPACT_KEY] = { DataType: 'String', StringValue: encodeCompact(meta, deadLetter) };
  return out;
}

/** What SQS counts toward `MaximumMessageSize`: body, and each attribute's name, type and value. */
export function messageSize(body: string, attributes: SqsAttributes): number {
  let size = Buffer.byteLength(body);
  for (const name in attributes) {
    const value = attributes[name]!;
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    if (value.StringValue !== undefined) size += Buffer.byteLength(value.StringValue);
    if (value.BinaryValue !== undefined) size += value.BinaryValue.byteLength;
  }
  return size;
}

export interface DecodedMessage {
  readonly meta: Partial<JobMeta>;
  readonly deadLetter?: DeadLetterRecord;
  /** User attributes: every attribute but polyqueue's, as strings. */
  readonly attributes: Record<string, string>;
}

/** Never throws: unreadable metadata decodes as absent, so the message is treated as foreign. */
export function decodeAttributes(
  attributes: Readonly<Record<string, MessageAttributeValue>> | undefined,
): DecodedMessage {
  const user: Record<string, string> = {};
  let compact: string | undefined;
  for (const name in attributes) {
    const value = attributes[name]!;
    const text =
      value.StringValue ?? (value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : '');
    if (name === COMPACT_KEY) compact = text;
    else if (!isReservedHeader(name)) user[name] = text;
  }
  const { meta, deadLetter } = decodeCompact(compact);
  return deadLetter ? { meta, deadLetter, attributes: user } : { meta, attributes: user };
}
