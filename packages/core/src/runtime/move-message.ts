import type { Capabilities } from '../driver/capabilities.js';
import type { Delivery } from '../driver/delivery.js';
import { completeMeta } from '../driver/kit/job-meta.js';
import type { OutgoingMessage } from '../driver/outgoing-message.js';
import { MessageTooLargeError } from '../errors/message-too-large-error.js';
import type { JobMeta } from '../wire/job-meta.js';

/**
 * A delivery received from the source broker as a message for the target broker: the same job.
 * Body, user attributes, id, enqueuedAt, ordering key and trace context are kept as they are.
 *
 * - Attempts: the move's own delivery is not an attempt, so the copy carries the attempts used
 *   before it (`attemptOffset + deliveryCount - 1`): the next handler, on the target, sees the
 *   attempt number a worker on the source would have seen.
 * - Dedup: where the target deduplicates, the dedup id is the job id, so a copy published twice
 *   (a move killed between the target's confirm and the source's ack, then run again) is handled
 *   once. A user's own dedup id gives way to it: two jobs that share one must both arrive.
 * - A `notBefore` already passed is dropped: the job is due, and was delivered as such.
 *
 * Throws MessageTooLargeError when the target cannot take the message, before any network call.
 */
export function movedMessage(delivery: Delivery, target: Capabilities, now: number): OutgoingMessage {
  let size = delivery.body.byteLength;
  for (const name in delivery.attributes)
    size += Buffer.byteLength(name) + Buffer.byteLength(delivery.attributes[name]!);
  if (size > target.maxMessageBytes) throw new MessageTooLargeError(size, target.maxMessageBytes);
  const { notBefore, dedupId, ...kept } = completeMeta(delivery.meta, now);
  const meta: JobMeta = {
    ...kept,
    attemptOffset: kept.attemptOffset + Math.max(1, delivery.deliveryCount) - 1,
    ...(notBefore !== undefined && notBefore > now ? { notBefore } : {}),
    ...(target.dedup ? { dedupId: kept.id } : dedupId !== undefined ? { dedupId } : {}),
  };
  return { body: delivery.body, attributes: delivery.attributes, meta };
}
