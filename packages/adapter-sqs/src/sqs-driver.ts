import type { Message, ReceiveMessageRequest, SQSClient } from '@aws-sdk/client-sqs';
import type {
  BackgroundError,
  BackgroundErrorSink,
  Capabilities,
  DeadLetterStore,
  Driver,
  ErrorCode,
  OutgoingMessage,
  QueueStats,
  QueueTopology,
  Receiver,
  ReceiverOptions,
  SendOutcome,
} from '@polyqueue/core/driver';
import { Batcher } from './batcher.js';
import { RECORD_ROOM_BYTES } from './dead-letter-copy.js';
import { DelayForwarder } from './delay-forwarder.js';
import { registerDriver } from './driver-registry.js';
import { JobCopies } from './job-copies.js';
import { sendRouted } from './outgoing.js';
import { QueueDirectory, type QueueRef } from './queue-directory.js';
import { RecentSends } from './recent-sends.js';
import type { SqsApi } from './sqs-api.js';
import { SqsDeadLetterStore } from './sqs-dead-letters.js';
import { SqsBatchEntryError, sqsErrorCode } from './sqs-errors.js';
import { SqsReceiver } from './sqs-receiver.js';
import { UnstartedReceives } from './unstarted-receives.js';
import { VISIBILITY_BUDGET_MS } from './visibility.js';

export interface SqsDriverSettings {
  readonly api: SqsApi;
  /** The SDK client behind `api`, returned by `native()` (the escape hatch). */
  readonly client?: SQSClient;
  readonly queuePrefix: string;
  readonly fifo: boolean;
  /** Long-poll wait per receive, 0-20 s. */
  readonly waitTimeSeconds: number;
  /** Longest per-message `DelaySeconds`, 1-900; lower it only to exercise the delay path in tests. */
  readonly maxNativeDelaySeconds: number;
  /** Whether `close()` also destroys the SDK client (true when the adapter created it). */
  readonly ownsClient: boolean;
}

/** The SQS driver: standard or FIFO queues, on the AWS SDK v3 or anything implementing `SqsApi`. */
export class SqsDriver implements Driver {
  readonly name = 'sqs';
  readonly capabilities: Capabilities;
  readonly api: SqsApi;
  readonly directory: QueueDirectory;
  /** Retries republished, dead letters, forwarded and redriven jobs. */
  readonly copies: JobCopies;
  readonly fifo: boolean;
  readonly waitTimeSeconds: number;
  readonly #settings: SqsDriverSettings;
  readonly #deleters = new Map<string, Batcher<string>>();
  readonly #forwarders = new Map<string, { forwarder: DelayForwarder; receivers: number }>();
  readonly #polls = new Set<AbortController>();
  /** Receives SQS counted that no handler used, credited back to each message's attempts. */
  readonly unstarted = new UnstartedReceives();
  readonly #recentSends = new RecentSends();
  /** Every queue topology the core has shown this driver (the Lambda handler reads it back). */
  readonly #topologies = new Map<string, QueueTopology>();
  #state: 'open' | 'closed' | 'dead' = 'open';
  /** Where errors of work no caller awaits go (the forwarder, give-backs): the broker's sink. */
  #sink: BackgroundErrorSink | undefined;

  constructor(settings: SqsDriverSettings) {
    this.#settings = settings;
    this.api = settings.api;
    this.fifo = settings.fifo;
    this.waitTimeSeconds = settings.waitTimeSeconds;
    this.directory = new QueueDirectory(settings.api, settings.queuePrefix, settings.fifo);
    this.copies = new JobCopies(settings.api, this.directory, settings.fifo, settings.maxNativeDelaySeconds);
    registerDriver(settings.client ?? settings.api, this);
    this.capabilities = {
      // SQS's 1 MiB ceiling less the room a dead letter's record needs (work queues are
      // provisioned that much smaller); each queue's own MaximumMessageSize is enforced per send.
      maxMessageBytes: 1_048_576 - RECORD_ROOM_BYTES,
      maxBatchSize: 10,
      // FIFO queues take no per-message delay: every delay there takes the delay path.
      maxNativeDelayMs: settings.fifo ? 0 : settings.maxNativeDelaySeconds * 1_000,
      lease: { expires: true, extendable: true, minMs: 1_000, maxMs: VISIBILITY_BUDGET_MS },
      ordering: settings.fifo,
      dedup: settings.fifo ? { windowMs: 300_000 } : false,
      nativeDeadLetter: true,
      stats: true,
      // Delays and visibility are whole seconds, rounded up: late by up to 1 s plus a poll, never
      // early but for clock skew between the sending and the forwarding process.
      timing: { granularityMs: 10, toleranceMs: 1_500 },
    };
  }

  reportErrorsTo(sink: BackgroundErrorSink): void {
    this.#sink = sink;
  }

  /**
   * Reports an error of background work. Without a broker's sink (a driver used on its own) it
   * goes nowhere, as the driver contract allows; it is never thrown into the event loop.
   */
  report(report: BackgroundError): void {
    if (this.#state === 'open') this.#sink?.(report);
  }

  get alive(): boolean {
    return this.#state === 'open';
  }

  provision(queue: QueueTopology): Promise<void> {
    this.#assertOpen();
    this.#learn(queue);
    return this.directory.provision(queue);
  }

  async send(topology: QueueTopology, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    this.#assertOpen();
    this.#learn(topology);
    // Resolved first, so that a missing queue fails the whole call with NotFound (P5).
    await this.directory.work(topology.name);
    const now = Date.now();
    const routed = await Promise.all(
      messages.map((message) =>
        this.copies
          .route(topology, message.body, message.attributes, message.meta, now, {
            dedup: message.meta.dedupId ?? message.meta.id,
          })
          .catch((error: Error) => error),
      ),
    );
    return sendRouted(this.api, routed, (i, messageId) => {
      const { meta } = messages[i]!;
      const target = routed[i]!;
      // Only a FIFO work queue drops duplicates, and only a dedupId can repeat across jobs.
      if (meta.dedupId === undefined || target instanceof Error || !target.target.fifo) return undefined;
      return this.#recentSends.keptJob(messageId, meta.id, Date.now());
    });
  }

  receiver(topology: QueueTopology, options: ReceiverOptions): Receiver {
    this.#learn(topology);
    return new SqsReceiver(this, topology, options.leaseMs, options.maxUnsettled);
  }

  deadLetters(topology: QueueTopology): DeadLetterStore {
    this.#learn(topology);
    return new SqsDeadLetterStore(this, topology);
  }

  async stats(topology: QueueTopology): Promise<QueueStats> {
    this.#learn(topology);
    const names = [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesDelayed',
      'ApproximateNumberOfMessagesNotVisible',
    ] as const;
    const read = async (ref: Promise<QueueRef>) => {
      const { Attributes: a = {} } = await this.api.getQueueAttributes({
        QueueUrl: (await ref).url,
        AttributeNames: [...names],
      });
      return names.map((name) => Number(a[name] ?? 0));
    };
    const [work, dead, delay] = await Promise.all([
      read(this.directory.work(topology.name)),
      read(this.directory.deadLetter(topology)),
      read(this.directory.delay(topology.name)).catch(() => [0, 0, 0]),
    ]);
    const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
    return {
      ready: work[0]!,
      delayed: work[1]! + sum(delay),
      inFlight: work[2]!,
      deadLettered: sum(dead),
    };
  }

  errorCode(error: unknown): ErrorCode {
    return sqsErrorCode(error);
  }

  /** The escape hatch: the `SQSClient` (or the `SqsApi` a driver was built on, in unit tests). */
  native(): SQSClient | SqsApi {
    return this.#settings.client ?? this.api;
  }

  async close(mode: 'graceful' | 'abandon'): Promise<void> {
    if (this.#state !== 'open') return;
    if (mode === 'graceful') await Promise.all([...this.#deleters.values()].map((d) => d.drain()));
    this.#state = mode === 'graceful' ? 'closed' : 'dead';
    for (const poll of this.#polls) poll.abort();
    await Promise.all([...this.#forwarders.values()].map(({ forwarder }) => forwarder.stop()));
    this.#forwarders.clear();
    if (this.#settings.ownsClient) this.#settings.client?.destroy();
  }

  /**
   * The topology the core last passed for queue `name` (its real dead-letter queue, attempts and
   * lease), or undefined if the core has not shown it yet. Never guessed from defaults: a guessed
   * dead-letter name would send letters where `deadLetters` never looks.
   */
  knownTopology(name: string): QueueTopology | undefined {
    return this.#topologies.get(name);
  }

  // ---- used by receivers, deliveries, the forwarder and the dead-letter store ----

  /** A ReceiveMessage the driver can cut short on close. */
  async receiveMessages(
    queue: QueueRef,
    input: ReceiveMessageRequest,
    signal?: AbortSignal,
  ): Promise<Message[]> {
    this.#assertOpen();
    const poll = new AbortController();
    const onAbort = () => poll.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#polls.add(poll);
    try {
      const { Messages = [] } = await this.api.receiveMessage({ ...input, QueueUrl: queue.url }, poll.signal);
      return Messages;
    } finally {
      this.#polls.delete(poll);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Deletes one message; deletes of the same tick share a `DeleteMessageBatch`. */
  deleteMessage(queue: QueueRef, receiptHandle: string): Promise<void> {
    let deleter = this.#deleters.get(queue.url);
    if (deleter === undefined) {
      deleter = new Batcher<string>(10, async (handles) => {
        const result = await this.api.deleteMessageBatch({
          QueueUrl: queue.url,
          Entries: handles.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle })),
        });
        const errors: (Error | undefined)[] = new Array(handles.length);
        for (const failed of result.Failed ?? []) errors[Number(failed.Id)] = new SqsBatchEntryError(failed);
        return errors;
      });
      this.#deleters.set(queue.url, deleter);
    }
    return deleter.add(receiptHandle);
  }

  forwarderOpened(topology: QueueTopology): void {
    let entry = this.#forwarders.get(topology.name);
    if (entry === undefined) {
      entry = { forwarder: new DelayForwarder(this, topology), receivers: 0 };
      this.#forwarders.set(topology.name, entry);
      if (this.alive) entry.forwarder.start();
    }
    entry.receivers++;
  }

  forwarderClosed(topology: QueueTopology): void {
    const entry = this.#forwarders.get(topology.name);
    if (entry === undefined || --entry.receivers > 0) return;
    this.#forwarders.delete(topology.name);
    void entry.forwarder.stop();
  }

  #learn(topology: QueueTopology): void {
    this.#topologies.set(topology.name, topology);
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new Error('The SQS driver is closed');
  }
}
