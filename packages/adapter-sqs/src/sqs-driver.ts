import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  type BackgroundErrorSink,
  BackgroundErrors,
  type Capabilities,
  type DeadLetterStore,
  type Driver,
  type ErrorCode,
  type OutgoingMessage,
  QueueServices,
  type QueueStats,
  type QueueTopology,
  type Receiver,
  type ReceiverOptions,
  type SendOutcome,
  systemClock,
} from '@polyqueue/core/driver';
import { RECORD_ROOM_BYTES } from './dead-letter-copy.js';
import { delayForwarder } from './delay-forwarder.js';
import { JobCopies } from './job-copies.js';
import { MessageCalls } from './message-calls.js';
import { sendRouted } from './outgoing.js';
import { type DriverBase, type QueueContext, queueContext } from './queue-context.js';
import { QueueDirectory } from './queue-directory.js';
import { listWorkQueues } from './queue-list.js';
import { RecentSends } from './recent-sends.js';
import type { SqsApi } from './sqs-api.js';
import { SqsDeadLetterStore } from './sqs-dead-letters.js';
import { sqsErrorCode } from './sqs-errors.js';
import { SqsReceiver } from './sqs-receiver.js';
import { queueStats } from './sqs-stats.js';
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

/**
 * The SQS driver: standard or FIFO queues, on the AWS SDK v3 or anything implementing `SqsApi`.
 * Each queue's receiver, deliveries, forwarder and dead-letter store work through its
 * `QueueContext`; the driver only builds them and owns what all queues share.
 */
export class SqsDriver implements Driver {
  readonly name = 'sqs';
  readonly capabilities: Capabilities;
  readonly #settings: SqsDriverSettings;
  readonly #base: DriverBase;
  readonly #calls: MessageCalls;
  /** Where errors of work no caller awaits go (the forwarder, give-backs): the broker's sink. */
  readonly #errors = new BackgroundErrors();
  /** Each queue's delay forwarder, running while a receiver of the queue is open here. */
  readonly #services = new QueueServices((topology) => [delayForwarder(this.context(topology))]);
  readonly #recentSends = new RecentSends();
  #state: 'open' | 'closed' | 'dead' = 'open';
  #closing: Promise<void> | undefined;

  constructor(settings: SqsDriverSettings) {
    this.#settings = settings;
    const directory = new QueueDirectory(settings.api, settings.queuePrefix, settings.fifo);
    this.#calls = new MessageCalls(settings.api);
    this.#base = {
      api: settings.api,
      fifo: settings.fifo,
      waitTimeSeconds: settings.waitTimeSeconds,
      maxNativeDelaySeconds: settings.maxNativeDelaySeconds,
      clock: systemClock,
      errors: this.#errors,
      directory,
      copies: new JobCopies(settings.api, directory, settings.fifo, settings.maxNativeDelaySeconds),
      calls: this.#calls,
      unstarted: new UnstartedReceives(),
      alive: () => this.#state === 'open',
      report: (action, error, queue) => this.#errors.report(action, error, queue),
      // A receiver that opens after close starts nothing: there is no driver left to stop it.
      openServices: (topology) =>
        this.#state === 'open' ? this.#services.acquire(topology) : () => undefined,
    };
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
      stats: ['ready', 'delayed', 'inFlight', 'deadLettered'],
      listQueues: true,
      // Delays and visibility are whole seconds, rounded up: late by up to 1 s plus a poll, never
      // early but for clock skew between the sending and the forwarding process.
      timing: { granularityMs: 10, toleranceMs: 1_500 },
    };
  }

  reportErrorsTo(sink: BackgroundErrorSink): void {
    this.#errors.attach(sink);
  }

  /** The operations of one queue, for its receiver, dead-letter store and the Lambda handler. */
  context(topology: QueueTopology): QueueContext {
    return queueContext(this.#base, topology);
  }

  provision(queue: QueueTopology): Promise<void> {
    this.#assertOpen();
    return this.context(queue).directory.provision(queue);
  }

  async send(topology: QueueTopology, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    this.#assertOpen();
    const { copies } = this.#base;
    // Resolved first, so that a missing queue fails the whole call with NotFound (P5).
    await this.#base.directory.work(topology.name);
    const now = Date.now();
    const routed = await Promise.all(
      messages.map((message) =>
        copies
          .route(topology, message.body, message.attributes, message.meta, now, {
            dedup: message.meta.dedupId ?? message.meta.id,
          })
          .catch((error: Error) => error),
      ),
    );
    return sendRouted(this.#settings.api, routed, (i, messageId) => {
      const { meta } = messages[i]!;
      const target = routed[i]!;
      // Only a FIFO work queue drops duplicates, and only a dedupId can repeat across jobs.
      if (meta.dedupId === undefined || target instanceof Error || !target.target.fifo) return undefined;
      return this.#recentSends.keptJob(messageId, meta.id, Date.now());
    });
  }

  receiver(topology: QueueTopology, options: ReceiverOptions): Receiver {
    return new SqsReceiver(this.context(topology), options);
  }

  deadLetters(topology: QueueTopology): DeadLetterStore {
    return new SqsDeadLetterStore(this.context(topology));
  }

  stats(topology: QueueTopology): Promise<QueueStats> {
    return queueStats(this.context(topology));
  }

  /** The work queues of the queue prefix (see queue-list.ts). */
  queues(): Promise<readonly string[]> {
    return listWorkQueues(this.#settings.api, this.#settings.queuePrefix, this.#settings.fifo);
  }

  /**
   * The client connects lazily: one ListQueues of at most one URL proves the endpoint answers and
   * takes the credentials (a missing sqs:ListQueues is reported as PermissionDenied, as it is).
   */
  async checkConnection(): Promise<void> {
    const prefix = this.#settings.queuePrefix;
    await this.#settings.api.listQueues({
      MaxResults: 1,
      ...(prefix === '' ? {} : { QueueNamePrefix: prefix }),
    });
  }

  errorCode(error: unknown): ErrorCode {
    return sqsErrorCode(error);
  }

  /** The escape hatch: the `SQSClient` (or the `SqsApi` a driver was built on, in unit tests). */
  native(): SQSClient | SqsApi {
    return this.#settings.client ?? this.#settings.api;
  }

  /** Once: a later call (an abandon during a graceful close included) waits for the first. */
  close(mode: 'graceful' | 'abandon'): Promise<void> {
    this.#closing ??= this.#close(mode);
    return this.#closing;
  }

  async #close(mode: 'graceful' | 'abandon'): Promise<void> {
    if (mode === 'abandon') this.#state = 'dead';
    // Graceful: the forwarders hand back what they hold, then every delete (theirs included) is
    // sent before the client goes. Abandon: settle nothing, as if the process died.
    await this.#services.stopAll(mode);
    if (mode === 'graceful') await this.#calls.drain();
    this.#state = mode === 'graceful' ? 'closed' : 'dead';
    this.#calls.abortAll();
    if (this.#settings.ownsClient) this.#settings.client?.destroy();
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new Error('The SQS driver is closed');
  }
}
