import type { Message } from '@aws-sdk/client-sqs';
import type { DeadLetterStore, JobMeta, StoredDeadLetter } from '@polyqueue/core/driver';
import type { Routed } from './outgoing.js';
import type { QueueContext } from './queue-context.js';
import type { QueueRef } from './queue-ref.js';
import { decodeAttributes } from './sqs-wire.js';

/** How long peek, redrive and purge hide the dead letters they are looking at. */
const WORK_LEASE_SECONDS = 30;
const MOVE_TASK_POLL_MS = 250;
const MOVE_TASK_RATE = 500;

const encoder = new TextEncoder();

/**
 * A queue's dead-letter queue:
 * - peek: receive (hidden for a moment), then make visible again at once, never deleted;
 * - redrive of everything from a dead-letter queue that only this queue feeds, on a standard
 *   queue: SQS's own `StartMessageMoveTask` (our dead letters carry attempt offset 0, so moved
 *   jobs restart at attempt 1); any other redrive (a limit, a shared dead-letter queue, FIFO,
 *   where a move would lose the ordering key's group): a copy loop that sends each letter back
 *   with its metadata reset, then deletes it;
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

  async redrive(limit?: number): Promise<number> {
    const dlq = await this.#dlq();
    if (limit === undefined && (await this.#moveTaskFits(dlq))) return this.#moveAll(dlq);
    let moved = 0;
    const max = limit ?? Number.POSITIVE_INFINITY;
    // A job can have two letters (dead-lettered twice under at-least-once): one goes back, the
    // other is deleted as its duplicate, within one call.
    const redriven = new Set<string>();
    while (moved < max) {
      const batch = await this.#take(dlq, Math.min(10, max - moved));
      if (batch.length === 0) break;
      const fresh: Message[] = [];
      const repeats: Message[] = [];
      const inBatch = new Set<string>();
      for (const message of batch) {
        const id = jobIdOf(message);
        if (redriven.has(id) || inBatch.has(id)) repeats.push(message);
        else {
          inBatch.add(id);
          fresh.push(message);
        }
      }
      const routed = await Promise.all(
        fresh.map((message) => this.#backToSource(message).catch((e: Error) => e)),
      );
      const outcomes = await this.#context.copies.sendMessages(routed);
      const sent = fresh.filter((_, i) => outcomes[i]!.ok);
      for (const message of sent) redriven.add(jobIdOf(message));
      const gone = [...sent, ...repeats.filter((message) => redriven.has(jobIdOf(message)))];
      await Promise.all(gone.map((message) => this.#context.calls.delete(dlq, message.ReceiptHandle ?? '')));
      moved += sent.length;
      const failed = outcomes.find((outcome) => !outcome.ok);
      if (failed && !failed.ok) {
        await this.#makeVisible(
          dlq,
          batch.filter((message) => !gone.includes(message)),
        );
        throw failed.error;
      }
    }
    return moved;
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
  #take(dlq: QueueRef, count: number): Promise<Message[]> {
    return this.#context.calls.receive(dlq, {
      MaxNumberOfMessages: count,
      WaitTimeSeconds: Math.min(1, this.#context.waitTimeSeconds),
      VisibilityTimeout: WORK_LEASE_SECONDS,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      AttributeNames: ['All'],
    });
  }

  async #makeVisible(dlq: QueueRef, messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      await this.#context.api.changeMessageVisibilityBatch({
        QueueUrl: dlq.url,
        Entries: messages.slice(i, i + 10).map((message, j) => ({
          Id: String(j),
          ReceiptHandle: message.ReceiptHandle ?? '',
          VisibilityTimeout: 0,
        })),
      });
    }
  }

  /** The letter as a fresh job of its source queue: attempt offset 0, no record, no delay. */
  #backToSource(message: Message): Promise<Routed> {
    const { meta, deadLetter, attributes } = decodeAttributes(message.MessageAttributes);
    const sent = Number(message.Attributes?.SentTimestamp);
    const fresh: JobMeta = {
      id: meta.id ?? message.MessageId ?? '',
      attemptOffset: 0,
      enqueuedAt: meta.enqueuedAt ?? (Number.isSafeInteger(sent) ? sent : Date.now()),
      ...(meta.orderingKey !== undefined ? { orderingKey: meta.orderingKey } : {}),
      ...(meta.dedupId !== undefined ? { dedupId: meta.dedupId } : {}),
    };
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

  async #moveTaskFits(dlq: QueueRef): Promise<boolean> {
    if (this.#context.fifo) return false;
    const work = await this.#context.work();
    const { queueUrls = [] } = await this.#context.api.listDeadLetterSourceQueues({ QueueUrl: dlq.url });
    return queueUrls.length === 1 && queueUrls[0] === work.url;
  }

  /** SQS moves the letters itself; resolves with how many it moved once the task is over. */
  async #moveAll(dlq: QueueRef): Promise<number> {
    const work = await this.#context.work();
    await this.#context.api.startMessageMoveTask({
      SourceArn: dlq.arn,
      DestinationArn: work.arn,
      MaxNumberOfMessagesPerSecond: MOVE_TASK_RATE,
    });
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, MOVE_TASK_POLL_MS));
      const { Results = [] } = await this.#context.api.listMessageMoveTasks({
        SourceArn: dlq.arn,
        MaxResults: 1,
      });
      const task = Results[0];
      if (task === undefined || task.Status === 'RUNNING' || task.Status === 'CANCELLING') continue;
      if (task.Status === 'FAILED')
        throw new Error(`SQS message move task failed: ${task.FailureReason ?? 'unknown reason'}`);
      return task.ApproximateNumberOfMessagesMoved ?? 0;
    }
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
