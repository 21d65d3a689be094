import {
  type RedriveRequest,
  type RedriveSource,
  redrive,
  redrivenMeta,
  type SendOutcome,
  type StoredDeadLetter,
} from '@polyqueue/core/driver';
import type { AmqpMessage } from './amqp-client.js';
import { bounded } from './amqp-deadline.js';
import { type ReceivedMessage, readMessage } from './amqp-message.js';
import { DeadLetterChannel } from './dead-letter-channel.js';
import type { QueueContext } from './queue-context.js';

/** How many dead letters one redrive round takes before publishing and acking them. */
const ROUND = 100;
/**
 * What a redrive with a selection holds: the letters it refuses stay unacked on its channel
 * until the call ends, at most this many (RabbitMQ keeps them, and so does this process)...
 */
const HELD_LETTERS = 10_000;
/**
 * ...for at most this long: RabbitMQ closes a channel whose delivery stays unacked past its
 * consumer timeout (30 min by default), which would give them back in the middle of the call.
 */
const HELD_MS = 20 * 60_000;

interface Letter {
  readonly message: AmqpMessage;
  readonly received: ReceivedMessage;
  /** What the kit merges twins by: the job id, or a key of the letter's own (see `redriveLetters`). */
  readonly key: string;
}

/**
 * Moves up to `limit` dead letters back to their source queues with the kit's redrive loop:
 * publish (confirmed), then ack. Each round runs on a channel of its own, closed before the next
 * round takes anything: its CloseOk proves the round's acks arrived, and returns to the queue
 * whatever the round did not move.
 *
 * With `select`, the whole call runs on one channel instead: the letters it refuses stay unacked
 * there (held aside, within HELD_LETTERS and HELD_MS), so basic.get goes on past them, as the kit
 * needs; a new round's channel would give them back, and the next take would see them again. The
 * acks of the moved letters are proven by that channel's CloseOk at the end, which also gives the
 * refused ones back (to the queue head, in their order).
 *
 * RabbitMQ has no dedup id, so one job can leave two letters (a worker that dead-lettered it died
 * before its ack arrived). Such a twin is acked without being sent again only when it certainly
 * was in the DLQ before the call began (among the first letters counted then, and dead-lettered
 * before then): a letter of a job that was redriven and failed again during the call is redriven
 * too, never dropped. So such a letter gets a key of its own rather than its job id. Twins are
 * not counted. On one channel, each basic.get returns a letter not yet taken in the call, so
 * `taken` counts letters from the queue head in both modes.
 */
export async function redriveLetters(
  queue: QueueContext,
  { limit, select }: RedriveRequest,
): Promise<number> {
  const startedAt = Date.now();
  const before = await DeadLetterChannel.using(queue, async ({ channel }) => {
    const checking = channel.checkQueue(queue.targets.deadLetter);
    return (await bounded(checking, queue.timeoutMs, 'queue.declare (passive)')).messageCount;
  });
  let taken = 0;
  let round: DeadLetterChannel | undefined;
  const endRound = async () => {
    const ending = round;
    round = undefined;
    await ending?.close();
  };
  const source: RedriveSource<Letter> = {
    async take(max) {
      if (select === undefined) await endRound();
      round ??= await DeadLetterChannel.open(queue);
      const letters: Letter[] = [];
      while (letters.length < max) {
        const message = await round.get();
        if (message === false) break;
        const received = readMessage(message);
        const fromBefore = taken < before && (received.deadLetter?.failedAt ?? 0) <= startedAt;
        taken++;
        letters.push({ message, received, key: fromBefore ? received.id : `${received.id}\u0000${taken}` });
      }
      return letters;
    },
    jobId: (letter) => letter.key,
    publish: (letters) => Promise.all(letters.map((letter) => sendBack(queue, letter).then(ok, failed))),
    async remove(letters) {
      for (const { message } of letters) round?.channel.ack(message);
    },
    // Left unacked: the channel gives them back as it closes.
    handBack: async () => undefined,
  };
  try {
    return await redrive(source, {
      limit,
      batchSize: ROUND,
      ...(select !== undefined
        ? { select: (letter: Letter) => select(storedDeadLetter(letter.message, letter.received)) }
        : {}),
      hold: { letters: HELD_LETTERS, ms: HELD_MS },
    });
  } finally {
    await endRound();
  }
}

/** A dead letter as `peek` shows it and `select` sees it. */
export function storedDeadLetter(message: AmqpMessage, received: ReceivedMessage): StoredDeadLetter {
  return {
    body: message.content,
    attributes: received.attributes,
    meta: { ...received.meta, id: received.id },
    ...(received.deadLetter ? { record: received.deadLetter } : {}),
    native: message,
  };
}

/** Back to its source with the attempt count reset and no dead-letter fields. */
function sendBack(queue: QueueContext, { message, received }: Letter): Promise<void> {
  // RabbitMQ stamps no enqueue time on a message: one without polyqueue's gets the redrive's.
  const meta = redrivenMeta({ ...received.meta, id: received.id }, Date.now());
  return queue.copies.publishCopy(queue.sourceQueue(received.deadLetter?.sourceQueue), {
    body: message.content,
    attributes: received.attributes,
    meta,
  });
}

const OK: SendOutcome = Object.freeze({ ok: true });
const ok = (): SendOutcome => OK;
const failed = (error: unknown): SendOutcome => ({ ok: false, error });
