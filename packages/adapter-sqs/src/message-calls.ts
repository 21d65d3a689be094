import type { Message, ReceiveMessageRequest } from '@aws-sdk/client-sqs';
import { Batcher } from '@polyqueue/core/driver';
import type { QueueRef } from './queue-ref.js';
import type { SqsApi } from './sqs-api.js';
import { SqsBatchEntryError } from './sqs-errors.js';

/**
 * The message calls a closing driver must act on: receives it cuts short, and deletes it drains
 * (deletes of the same tick share a `DeleteMessageBatch`).
 */
export class MessageCalls {
  readonly #api: SqsApi;
  readonly #deleters = new Map<string, Batcher<string>>();
  readonly #polls = new Set<AbortController>();
  #closed = false;

  constructor(api: SqsApi) {
    this.#api = api;
  }

  /** A ReceiveMessage on `queue`, cut short by `signal` or by `abortAll`. */
  async receive(
    queue: QueueRef,
    input: Omit<ReceiveMessageRequest, 'QueueUrl'>,
    signal?: AbortSignal,
  ): Promise<Message[]> {
    if (this.#closed) throw new Error('The SQS driver is closed');
    const poll = new AbortController();
    const onAbort = () => poll.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#polls.add(poll);
    try {
      const { Messages = [] } = await this.#api.receiveMessage(
        { ...input, QueueUrl: queue.url },
        poll.signal,
      );
      return Messages;
    } finally {
      this.#polls.delete(poll);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Deletes one message; rejects with that message's own error if SQS refused it. */
  delete(queue: QueueRef, receiptHandle: string): Promise<void> {
    let deleter = this.#deleters.get(queue.url);
    if (deleter === undefined) {
      deleter = new Batcher<string>({
        maxSize: 10,
        flush: async (handles) => {
          const result = await this.#api.deleteMessageBatch({
            QueueUrl: queue.url,
            Entries: handles.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle })),
          });
          const errors: (Error | undefined)[] = new Array(handles.length).fill(undefined);
          for (const failed of result.Failed ?? [])
            errors[Number(failed.Id)] = new SqsBatchEntryError(failed);
          return errors;
        },
      });
      this.#deleters.set(queue.url, deleter);
    }
    return deleter.add(receiptHandle);
  }

  /**
   * Makes received messages visible again at once (hand-backs), 10 per call; rejects with the
   * first entry SQS refused (that message then returns when its visibility ends).
   */
  async makeVisible(queue: QueueRef, receiptHandles: readonly string[]): Promise<void> {
    for (let i = 0; i < receiptHandles.length; i += 10) {
      const { Failed = [] } = await this.#api.changeMessageVisibilityBatch({
        QueueUrl: queue.url,
        Entries: receiptHandles.slice(i, i + 10).map((handle, j) => ({
          Id: String(j),
          ReceiptHandle: handle,
          VisibilityTimeout: 0,
        })),
      });
      if (Failed.length > 0) throw new SqsBatchEntryError(Failed[0]!);
    }
  }

  /** Waits for every delete handed out so far (graceful close). */
  async drain(): Promise<void> {
    await Promise.all([...this.#deleters.values()].map((deleter) => deleter.drain()));
  }

  /** Cuts every running receive short, and refuses new ones (close). */
  abortAll(): void {
    this.#closed = true;
    for (const poll of this.#polls) poll.abort();
  }
}
