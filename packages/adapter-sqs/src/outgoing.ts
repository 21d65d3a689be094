import type { SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { MessageTooLargeError, SerializationError, ValidationError } from '@polyqueue/core';
import type { DeadLetterRecord, JobMeta, SendOutcome } from '@polyqueue/core/driver';
import type { QueueRef } from './queue-ref.js';
import type { SqsApi } from './sqs-api.js';
import { SqsBatchEntryError } from './sqs-errors.js';
import { fifoToken } from './sqs-names.js';
import { encodeAttributes, MAX_USER_ATTRIBUTES, messageSize, type SqsAttributes } from './sqs-wire.js';

/** SendMessageBatch: at most 10 entries, and at most 1 MiB for the whole request. */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 1_048_576;

/** One message ready for `SendMessageBatch`, minus its entry Id. */
export interface SqsOutgoing {
  readonly body: string;
  readonly attributes: SqsAttributes;
  readonly size: number;
  readonly delaySeconds?: number;
  readonly groupId?: string;
  readonly dedupId?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** SQS bodies are Unicode text: a serializer that produced other bytes cannot be carried. */
export function bodyText(body: Uint8Array): string {
  try {
    return utf8.decode(body);
  } catch (cause) {
    throw new SerializationError(
      'SQS message bodies must be UTF-8 text; the serializer produced other bytes',
      cause,
    );
  }
}

export interface Placement {
  readonly delaySeconds?: number;
  /** FIFO only: the message group and deduplication id. */
  readonly groupId?: string;
  readonly dedupId?: string;
}

/**
 * Builds one outgoing message, or throws the typed error that says why it cannot be sent (before
 * any network call): too many attributes, or too large for the target queue's own limit.
 */
export function buildOutgoing(
  body: string,
  attributes: Readonly<Record<string, string>>,
  meta: JobMeta,
  target: QueueRef,
  placement: Placement,
  deadLetter?: DeadLetterRecord,
): SqsOutgoing {
  if (Object.keys(attributes).length > MAX_USER_ATTRIBUTES) {
    throw new ValidationError(
      `SQS allows ${MAX_USER_ATTRIBUTES} user attributes per job (10 in all, one is polyqueue's "pq")`,
    );
  }
  const sqsAttributes = encodeAttributes(attributes, meta, deadLetter);
  const size = messageSize(body, sqsAttributes);
  if (size > target.maxBytes) throw new MessageTooLargeError(size, target.maxBytes);
  return { body, attributes: sqsAttributes, size, ...placement };
}

/** Group and deduplication ids of a FIFO send: the ordering key (else the job id) and dedup id. */
export function fifoPlacement(meta: JobMeta, dedup: string): Placement {
  return { groupId: fifoToken(meta.orderingKey ?? meta.id), dedupId: fifoToken(dedup) };
}

/** Where each message of a send goes, and how. */
export interface Routed {
  readonly target: QueueRef;
  readonly message: SqsOutgoing;
}

/**
 * For entry `index`, sent and answered with `messageId`: the id of the job SQS kept instead, when
 * it dropped this one as a duplicate.
 */
export type KeptJob = (index: number, messageId: string) => string | undefined;

/**
 * Sends messages to their queues in as few `SendMessageBatch` calls as the limits allow and
 * resolves with one outcome per message, in input order. A refused entry fails alone; a failed
 * call fails the entries it carried.
 */
export async function sendRouted(
  api: SqsApi,
  routed: readonly (Routed | Error)[],
  keptJob?: KeptJob,
): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = new Array(routed.length);
  const byQueue = new Map<string, { target: QueueRef; indices: number[] }>();
  routed.forEach((item, i) => {
    if (item instanceof Error) {
      outcomes[i] = { ok: false, error: item };
      return;
    }
    let group = byQueue.get(item.target.url);
    if (!group) {
      group = { target: item.target, indices: [] };
      byQueue.set(item.target.url, group);
    }
    group.indices.push(i);
  });
  const calls: Promise<void>[] = [];
  for (const { target, indices } of byQueue.values()) {
    for (const chunk of chunkBySize(indices, (i) => (routed[i] as Routed).message.size)) {
      calls.push(sendChunk(api, target, chunk, routed as readonly Routed[], outcomes, keptJob));
    }
  }
  const failures = (await Promise.allSettled(calls)).filter((r) => r.status === 'rejected');
  // Every entry of a failed call already has its outcome; a whole-send failure is only reported
  // as a rejection when nothing at all was sent, so that the core maps it once for every item.
  if (failures.length > 0 && failures.length === calls.length)
    throw (failures[0] as PromiseRejectedResult).reason;
  return outcomes;
}

function chunkBySize(indices: readonly number[], sizeOf: (i: number) => number): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const i of indices) {
    const size = sizeOf(i);
    if (current.length > 0 && (current.length === MAX_BATCH_ENTRIES || bytes + size > MAX_REQUEST_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

async function sendChunk(
  api: SqsApi,
  target: QueueRef,
  indices: readonly number[],
  routed: readonly Routed[],
  outcomes: SendOutcome[],
  keptJob: KeptJob | undefined,
): Promise<void> {
  const entries: SendMessageBatchRequestEntry[] = indices.map((i) => toEntry(String(i), routed[i]!.message));
  try {
    const result = await api.sendMessageBatch({ QueueUrl: target.url, Entries: entries });
    for (const ok of result.Successful ?? []) {
      const index = Number(ok.Id);
      const kept = ok.MessageId === undefined ? undefined : keptJob?.(index, ok.MessageId);
      outcomes[index] = kept === undefined ? OK : { ok: true, duplicateOf: kept };
    }
    for (const failed of result.Failed ?? []) {
      outcomes[Number(failed.Id)] = { ok: false, error: new SqsBatchEntryError(failed) };
    }
    for (const i of indices)
      outcomes[i] ??= { ok: false, error: new Error('SQS returned no result for the entry') };
  } catch (error) {
    for (const i of indices) outcomes[i] = { ok: false, error };
    throw error;
  }
}

export function toEntry(id: string, message: SqsOutgoing): SendMessageBatchRequestEntry {
  return {
    Id: id,
    MessageBody: message.body,
    MessageAttributes: message.attributes,
    ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
    ...(message.groupId !== undefined ? { MessageGroupId: message.groupId } : {}),
    ...(message.dedupId !== undefined ? { MessageDeduplicationId: message.dedupId } : {}),
  };
}

const OK: SendOutcome = Object.freeze({ ok: true });

/** Sends one message and rejects with its error if SQS refused it. */
export async function sendOne(api: SqsApi, target: QueueRef, message: SqsOutgoing): Promise<void> {
  const [outcome] = await sendRouted(api, [{ target, message }]);
  if (!outcome!.ok) throw outcome!.error;
}
