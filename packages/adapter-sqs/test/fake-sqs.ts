import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SqsApi } from '../src/index.js';

interface FakeMessage {
  id: string;
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  receiveCount: number;
  delaySeconds: number;
  groupId?: string;
  dedupId?: string;
  receipt?: string;
  /** Wall-clock ms before which the message is not visible (its delay, then each lease). */
  hiddenUntil?: number;
}

interface FakeQueue {
  name: string;
  attributes: Record<string, string>;
  messages: FakeMessage[];
}

/**
 * An in-process fake of the narrow SQS interface: queues, messages, receive counts, and SQS's
 * documented visibility: a receive hides a message for its VisibilityTimeout (else the queue's,
 * else 30 s), ChangeMessageVisibility sets it (counting no receive), DelaySeconds delays it, and a
 * FIFO group is held while one of its messages is hidden after a receive. Every call is recorded
 * in `calls` so tests can assert the exact SQS requests the driver makes.
 */
export class FakeSqs {
  readonly queues = new Map<string, FakeQueue>();
  readonly calls: { action: string; input: Record<string, unknown> }[] = [];
  /** Message bodies the fake refuses per entry (batch partial failure). */
  readonly refuseBodies = new Set<string>();
  /** Queue names whose ReceiveMessage fails (as SQS does in an outage), until removed. */
  readonly failReceives = new Set<string>();
  #counter = 0;

  urlOf(name: string): string {
    return `https://sqs.fake/000000000000/${name}`;
  }

  queue(name: string): FakeQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no fake queue ${name}`);
    return queue;
  }

  create(name: string, attributes: Record<string, string> = {}): FakeQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = { name, attributes: { MaximumMessageSize: '1048576', ...attributes }, messages: [] };
      this.queues.set(name, queue);
    }
    return queue;
  }

  #byUrl(url: unknown): FakeQueue {
    const name = String(url).split('/').pop()!;
    const queue = this.queues.get(name);
    if (!queue)
      throw Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' });
    return queue;
  }

  /** Ends the visibility of every in-flight message of `queueName` (their timeouts are over). */
  expireAll(queueName: string): void {
    for (const message of this.queue(queueName).messages) message.hiddenUntil = 0;
  }

  calledWith(action: string) {
    return this.calls.filter((call) => call.action === action).map((call) => call.input);
  }

  readonly api: SqsApi = {
    listQueues: async (input) => {
      this.#record('listQueues', input);
      const names = [...this.queues.keys()].filter((name) => name.startsWith(input.QueueNamePrefix ?? ''));
      return { QueueUrls: names.map((name) => this.urlOf(name)) };
    },
    createQueue: async (input) => {
      this.#record('createQueue', input);
      this.create(input.QueueName!, input.Attributes ?? {});
      return { QueueUrl: this.urlOf(input.QueueName!) };
    },
    getQueueUrl: async (input) => {
      this.#record('getQueueUrl', input);
      this.#byUrl(input.QueueName);
      return { QueueUrl: this.urlOf(input.QueueName!) };
    },
    getQueueAttributes: async (input) => {
      this.#record('getQueueAttributes', input);
      const queue = this.#byUrl(input.QueueUrl);
      return {
        Attributes: {
          ...queue.attributes,
          QueueArn: `arn:aws:sqs:us-east-1:000000000000:${queue.name}`,
          ...approximateCounts(queue.messages, Date.now()),
        },
      };
    },
    setQueueAttributes: async (input) => {
      this.#record('setQueueAttributes', input);
      Object.assign(this.#byUrl(input.QueueUrl).attributes, input.Attributes);
      return {};
    },
    sendMessageBatch: async (input) => {
      this.#record('sendMessageBatch', input);
      const queue = this.#byUrl(input.QueueUrl);
      const Successful = [];
      const Failed = [];
      for (const entry of input.Entries ?? []) {
        if (this.refuseBodies.has(entry.MessageBody!)) {
          Failed.push({
            Id: entry.Id,
            Code: 'InvalidMessageContents',
            Message: 'refused',
            SenderFault: true,
          });
          continue;
        }
        const id = `m-${++this.#counter}`;
        queue.messages.push({
          id,
          body: entry.MessageBody!,
          attributes: entry.MessageAttributes ?? {},
          receiveCount: 0,
          delaySeconds: entry.DelaySeconds ?? 0,
          hiddenUntil: Date.now() + (entry.DelaySeconds ?? 0) * 1_000,
          ...(entry.MessageGroupId ? { groupId: entry.MessageGroupId } : {}),
          ...(entry.MessageDeduplicationId ? { dedupId: entry.MessageDeduplicationId } : {}),
        });
        Successful.push({ Id: entry.Id, MessageId: id, MD5OfMessageBody: '' });
      }
      return { Successful, Failed };
    },
    receiveMessage: async (input) => {
      this.#record('receiveMessage', input);
      const queue = this.#byUrl(input.QueueUrl);
      if (this.failReceives.has(queue.name))
        throw Object.assign(new Error('Service is unavailable'), { name: 'ServiceUnavailable' });
      const now = Date.now();
      const visible = (m: FakeMessage) => (m.hiddenUntil ?? 0) <= now;
      // FIFO (documented): no message of a group is returned while one of it is in flight.
      const held = new Set(
        queue.messages.filter((m) => m.receipt !== undefined && !visible(m)).map((m) => m.groupId),
      );
      const taken = queue.messages
        .filter((m) => visible(m) && (m.groupId === undefined || !held.has(m.groupId)))
        .slice(0, input.MaxNumberOfMessages ?? 1);
      const seconds = input.VisibilityTimeout ?? Number(queue.attributes.VisibilityTimeout ?? 30);
      const Messages: Message[] = taken.map((m) => {
        m.receiveCount++;
        m.receipt = `r-${m.id}-${m.receiveCount}`;
        m.hiddenUntil = now + seconds * 1_000;
        return {
          MessageId: m.id,
          ReceiptHandle: m.receipt,
          Body: m.body,
          MessageAttributes: m.attributes,
          Attributes: {
            ApproximateReceiveCount: String(m.receiveCount),
            SentTimestamp: '1893456000000',
            ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
          },
        };
      });
      return { Messages };
    },
    deleteMessageBatch: async (input) => {
      this.#record('deleteMessageBatch', input);
      const queue = this.#byUrl(input.QueueUrl);
      for (const entry of input.Entries ?? []) {
        queue.messages = queue.messages.filter((m) => m.receipt !== entry.ReceiptHandle);
      }
      return { Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id })), Failed: [] };
    },
    changeMessageVisibility: async (input) => {
      this.#record('changeMessageVisibility', input);
      const queue = this.#byUrl(input.QueueUrl);
      const message = queue.messages.find((m) => m.receipt === input.ReceiptHandle);
      if (message) message.hiddenUntil = Date.now() + (input.VisibilityTimeout ?? 0) * 1_000;
      return {};
    },
    changeMessageVisibilityBatch: async (input) => {
      this.#record('changeMessageVisibilityBatch', input);
      const queue = this.#byUrl(input.QueueUrl);
      for (const entry of input.Entries ?? []) {
        const message = queue.messages.find((m) => m.receipt === entry.ReceiptHandle);
        if (message) message.hiddenUntil = Date.now() + (entry.VisibilityTimeout ?? 0) * 1_000;
      }
      return { Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id })), Failed: [] };
    },
    listDeadLetterSourceQueues: async (input) => {
      this.#record('listDeadLetterSourceQueues', input);
      return { queueUrls: [] };
    },
    startMessageMoveTask: async (input) => {
      this.#record('startMessageMoveTask', input);
      return {};
    },
    listMessageMoveTasks: async (input) => {
      this.#record('listMessageMoveTasks', input);
      return { Results: [] };
    },
  };

  #record(action: string, input: object): void {
    this.calls.push({ action, input: structuredClone(input) as Record<string, unknown> });
  }
}

/**
 * SQS's three counts as the fake can tell them: a hidden message never received is delayed, a
 * hidden one received is in flight (not visible), the rest are visible.
 */
function approximateCounts(messages: readonly FakeMessage[], now: number): Record<string, string> {
  let visible = 0;
  let delayed = 0;
  let notVisible = 0;
  for (const message of messages) {
    if ((message.hiddenUntil ?? 0) <= now) visible++;
    else if (message.receiveCount === 0) delayed++;
    else notVisible++;
  }
  return {
    ApproximateNumberOfMessages: String(visible),
    ApproximateNumberOfMessagesDelayed: String(delayed),
    ApproximateNumberOfMessagesNotVisible: String(notVisible),
  };
}
