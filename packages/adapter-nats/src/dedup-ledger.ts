import type { QueueContext } from './queue-context.js';

const ID_HEADER = 'pq-id';

/**
 * Which job each `dedupId` kept, for as long as the duplicate window lasts.
 *
 * The work stream drops a repeated `Nats-Msg-Id`, but its PubAck names only a sequence, and a
 * WorkQueue stream deletes the kept job once a worker acks it: a producer retrying a send could
 * then not learn the id of the job that ran (rule U1). So a send with a `dedupId` first claims it
 * in the queue's ledger, a Limits stream (`<p>_U_<q>`, `max_age` = the duplicate window) that
 * deduplicates on the same id: a record holding the claiming job's id. A later claim is dropped
 * as a duplicate, and its PubAck's sequence reads back the first claimer's id.
 *
 * The job is then published under the kept id. Normally the work stream drops it; if the first
 * send died between its claim and its publish, this copy is the one stored, so the job that
 * runs has the id every send of that `dedupId` returned. At least once holds: a claim never
 * replaces the publish.
 */
export async function claimDedupId(queue: QueueContext, dedupId: string, id: string): Promise<string> {
  const { client, names } = queue;
  let ack: Awaited<ReturnType<typeof client.publish>>;
  try {
    ack = await client.publish(names.ledgerSubject, EMPTY, { headers: { [ID_HEADER]: id }, msgId: dedupId });
  } catch (error) {
    // No ledger stream (a queue provisioned before it existed, with provisioning now off): the
    // work stream's own dedup still holds; only the kept id may be unknown, as before.
    if (isNoResponders(error)) return id;
    throw error;
  }
  if (!ack.duplicate) return id;
  const kept = await client.getMessage(names.ledgerStream, ack.seq);
  return kept?.headers[ID_HEADER] ?? id;
}

const EMPTY = new Uint8Array(0);

export function isNoResponders(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'JetStreamNotEnabled' || name === 'NoResponders';
}
