import { createHash, randomUUID } from 'node:crypto';

/** Service Bus limits messageId to 128 characters. */
const MAX_MESSAGE_ID_CHARS = 128;

/**
 * The messageId of a copy polyqueue publishes itself (a retry, a redrive). Never the job's
 * dedupId: under duplicate detection the copy would be dropped as a repeat of the first send.
 * Derived from the source message's sequence number, unique in its entity, so that publishing
 * the same copy twice (a crash between publish and complete) yields one message, not two.
 * Without a sequence number (never the case on a real queue) a random id keeps copies distinct.
 */
export function copyMessageId(
  jobId: string,
  kind: 'retry' | 'redrive',
  sequenceNumber: { toString(): string } | undefined,
): string {
  const id = `${jobId}:${kind}:${sequenceNumber?.toString() ?? randomUUID()}`;
  if (id.length <= MAX_MESSAGE_ID_CHARS) return id;
  return `pq-${kind}-${createHash('sha256').update(id).digest('hex')}`;
}
