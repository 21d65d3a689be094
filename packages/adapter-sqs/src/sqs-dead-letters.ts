import type { Message } from '@aws-sdk/client-sqs';
import {
  type DeadLetterStore,
  type RedriveRequest,
  redrive,
  redrivenMeta,
  type StoredDeadLetter,
} from '@polyqueue/core/driver';
import { moveAll } from './move-task.js';
import type { Routed } from './outgoing.js';
import type { QueueContext } from './queue-context.js';
import type { QueueRef } from './queue-ref.js';
import { decodeAttributes } from './sqs-wire.js';

/** How long peek, redrive and purge hide the dead letters they are looking at. */
const WORK_LEASE_SECONDS = 30;
/**
 * How long a redrive with a selection hides the letters it holds aside (they stay invisible until
 * the call ends, so that its later receives go on past them), and how long that call may hold
 * them: a minute less, room for the last batch's sends and deletes.
 */
const SELECT_HOLD_SECONDS = 600;
const SELECT_HOLD_MS = (SELECT_HOLD_SECONDS - 60) * 1_000;

const encoder = new TextEncoder();

/**
 * A queue's dead-letter queue:
 * - peek: receive (hidden for a moment), then make visible again at once, never deleted;
 * - redrive of everything from a dead-letter queue that only this queue feeds, on a standard
 *   queue: SQS's own `StartMessageMoveTask` (our dead letters carry attempt offset 0, so moved
 *   jobs restart at attempt 1); any other redrive (a limit, a shared dead-letter queue, FIFO,
 *   where a move would lose the ordering key's group): a copy loop that sends each letter back
 *   with its metadata reset, then deletes it; with a selection, the letters it refuses stay
 *   invisible (held) until the call ends, then are made visible again;
 * - purge: receive and delete until empty (PurgeQueue gives no count and may take 60 s).
 */
export class SqsDeadLetterStore implements DeadLetterStore {
  readonly #context: QueueContext;

  constructor(context: QueueContext) {
    this.#context = context;
  }

  async peek(limit: number): Promise<readonly StoredDeadLetter[]> {
    const dlq = await this.#dlq();
    const seen = new Map<string, Message>();
    try {
      while (seen.size < limit) {
        const batch = await this.#take(dlq, Math.min(10, limit - seen.size));
        if (batch.length === 0) break;
        for (const message of batch) seen.set(message.MessageId ?? String(seen.size), message);
      }
    } finally {
      await this.#makeVisible(dlq, [...seen.values()]);
    }
    return [...seen.values()].slice(0, limit).map(toStored);
  }

  async redrive({ limit, select }: RedriveRequest): Promise<number> {
    const dlq = await this.#dlq();
    if (limit === undefined && select === undefined && (await this.#moveTaskFits(dlq)))
      return moveAll(this.#context, dlq);
    const hideSeconds = select === undefined ? WORK_LEASE_SECONDS : SELECT_HOLD_SECONDS;
    return redrive<Message>(
      {
        take: (max) => this.#take(dlq, max, hideSeconds),
        jobId: (message) => jobIdOf(message),
        publish: async (letters) =>
          this.#context.copies.sendMessages(
            await Promise.all(letters.map((message) => this.#backToSource(message).catch((e: Error) => e))),
          ),
        remove: async (letters) => {
          await Promise.all(
            letters.map((message) => this.#context.calls.delete(dlq, message.ReceiptHandle ?? '')),
          );
        },
        handBack: (letters) => this.#makeVisible(dlq, letters),
      },
      {
        batchSize: 10,
        limit,
        ...(select !== undefined ? { select: (message: Message) => select(toStored(message)) } : {}),
        hold: { ms: SELECT_HOLD_MS },
      },
    );
  }

  async purge(): Promise<number> {
    const dlq = await this.#dlq();
    let purged = 0;
    for (;;) {
      const batch = await this.#take(dlq, 10);
      if (batch.length === 0) return purged;
      await Promise.all(batch.map((message) => this.#context.calls.delete(dlq, message.ReceiptHandle ?? '')));
      purged += batch.length;
    }
  }

  #dlq(): Promise<QueueRef> {
    return this.#context.deadLetter();
  }

  /** One short receive; dead-letter queues have no redrive policy, so receives cost nothing. */
  #take(dlq: QueueRef, count: number, hideSeconds = WORK_LEASE_SECONDS): Promise<Message[]> {
    return this.#context.calls.receive(dlq, {
      MaxNumberOfMessages: count,
      WaitTimeSeconds: Math.min(1, this.#context.waitTimeSeconds),
      VisibilityTimeout: hideSeconds,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      AttributeNames: ['All'],
    });
  }

  #makeVisible(dlq: QueueRef, messages: readonly Message[]): Promise<void> {
    return this.#context.calls.makeVisible(
      dlq,
      messages.map((message) => message.ReceiptHandle ?? ''),
    );
  }

  /** The letter as a fresh job of its source queue (the kit's `redrivenMeta`), no record. */
  #backToSource(message: Message): Promise<Routed> {
    const { meta, deadLetter, attributes } = decodeAttributes(message.MessageAttributes);
    const sent = Number(message.Attributes?.SentTimestamp);
    const fresh = redrivenMeta(
      { ...meta, id: meta.id ?? message.MessageId ?? '' },
      Number.isSafeInteger(sent) ? sent : Date.now(),
    );
    const own = this.#context.topology;
    const source = deadLetter?.sourceQueue || own.name;
    const topology = source === own.name ? own : { ...own, name: source };
    // The dead letter's own message id makes a retried send of the same letter a FIFO duplicate.
    return this.#context.copies.routeJob(
      topology,
      message.Body ?? '',
      attributes,
      fresh,
      `${fresh.id}.r.${message.MessageId}`,
    );
  }

  /** The move task fits a dead-letter queue that only this (standard) work queue feeds. */
  async #moveTaskFits(dlq: QueueRef): Promise<boolean> {
    if (this.#context.fifo) return false;
    const work = await this.#context.work();
    const { queueUrls = [] } = await this.#context.api.listDeadLetterSourceQueues({ QueueUrl: dlq.url });
    return queueUrls.length === 1 && queueUrls[0] === work.url;
  }
}

function jobIdOf(message: Message): string {
  return decodeAttributes(message.MessageAttributes).meta.id ?? message.MessageId ?? '';
}

function toStored(message: Message): StoredDeadLetter {
  const { meta, deadLetter, attributes } = decodeAttributes(message.MessageAttributes);
  return {
    body: encoder.encode(message.Body ?? ''),
    attributes,
    meta: { ...meta, id: meta.id ?? message.MessageId ?? '' },
    ...(deadLetter ? { record: deadLetter } : {}),
    native: message,
  };
}
