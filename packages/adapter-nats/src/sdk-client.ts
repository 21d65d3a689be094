import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { nanos } from '@nats-io/transport-node';
import type {
  ConsumerSpec,
  ConsumerState,
  NatsClient,
  PubAck,
  PublishOptions,
  PullBatch,
  StoredMessage,
  StreamSpec,
  StreamState,
} from './nats-client.js';
import { fromStored, SdkReceivedMessage } from './sdk-messages.js';
import { SdkPublisher, toMsgHdrs } from './sdk-publish.js';
import { SdkPull } from './sdk-pull.js';

/** The JetStream API's subject prefix (no domain: the adapter does not take one). */
const JS_API_PREFIX = '$JS.API';
/** JetStream API codes meaning "that message is already gone". */
const MESSAGE_GONE = new Set([10037, 10057]);
/** JetStream API code: a stream with that name exists. */
const STREAM_NAME_IN_USE = 10058;

/** NatsClient over `@nats-io/transport-node` + `@nats-io/jetstream` (3.x). */
export class SdkClient implements NatsClient {
  readonly #nc: NatsConnection;
  readonly #publisher: SdkPublisher;
  readonly #jsm: JetStreamManager;
  readonly #apiTimeoutMs: number;
  readonly #reconnectListeners = new Set<() => void>();
  readonly #errorListeners = new Set<(error: unknown) => void>();

  private constructor(nc: NatsConnection, jsm: JetStreamManager, apiTimeoutMs: number) {
    this.#nc = nc;
    this.#apiTimeoutMs = apiTimeoutMs;
    this.#publisher = new SdkPublisher(nc, apiTimeoutMs);
    this.#jsm = jsm;
    // A listener that throws must not become an unhandled rejection: it is reported instead.
    this.#watchStatus().catch((error: unknown) => this.#raise(error));
  }

  /**
   * Wraps a connection. `apiTimeoutMs` bounds every JetStream request and publish: while the
   * connection is down they would otherwise wait for exactly that long anyway, and the error then
   * is a retryable TimeoutError rather than a hang.
   */
  static async create(nc: NatsConnection, apiTimeoutMs: number): Promise<SdkClient> {
    const jsm = await jetstreamManager(nc, { timeout: apiTimeoutMs });
    return new SdkClient(nc, jsm, apiTimeoutMs);
  }

  get serverVersion(): string {
    return this.#nc.info?.version ?? '0.0.0';
  }

  get maxPayload(): number {
    return this.#nc.info?.max_payload ?? 1_048_576;
  }

  /** Never throws: a header NATS cannot carry rejects, failing that publish alone. */
  publish(subject: string, data: Uint8Array, options: PublishOptions): Promise<PubAck> {
    let headers: MsgHdrs;
    try {
      headers = toMsgHdrs(options.headers, options.msgId);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#publisher.publish(subject, data, headers);
  }

  async ensureStream(spec: StreamSpec): Promise<void> {
    const config = {
      subjects: [spec.subject],
      duplicate_window: nanos(spec.duplicateWindowMs),
      ...(spec.limits?.maxAgeMs !== undefined ? { max_age: nanos(spec.limits.maxAgeMs) } : {}),
      ...(spec.limits?.maxMsgsPerSubject !== undefined
        ? { max_msgs_per_subject: spec.limits.maxMsgsPerSubject }
        : {}),
    };
    try {
      await this.#jsm.streams.add({
        name: spec.name,
        retention: spec.limits ? RetentionPolicy.Limits : RetentionPolicy.Workqueue,
        storage: StorageType.File,
        ...config,
      });
    } catch (error) {
      if ((error as { code?: number }).code !== STREAM_NAME_IN_USE) throw error;
      // Another process (or an earlier run) made it: bring over only what polyqueue owns.
      const info = await this.#jsm.streams.info(spec.name);
      const current = info.config;
      if (
        current.subjects?.[0] !== spec.subject ||
        current.duplicate_window !== config.duplicate_window ||
        (config.max_age !== undefined && current.max_age !== config.max_age)
      )
        await this.#jsm.streams.update(spec.name, config);
    }
  }

  async ensureConsumer(spec: ConsumerSpec): Promise<void> {
    // On 2.9+ creating an existing durable with a changed (updatable) config updates it.
    await this.#jsm.consumers.add(spec.stream, {
      durable_name: spec.name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(spec.ackWaitMs),
      max_deliver: spec.maxDeliver,
      // NAKed-with-delay messages count as ack-pending: a finite limit would let many waiting
      // retries starve new work. Each worker bounds what it takes itself.
      max_ack_pending: -1,
      filter_subject: spec.filterSubject,
    });
  }

  async streamState(stream: string): Promise<StreamState> {
    const { state } = await this.#jsm.streams.info(stream);
    return { messages: state.messages, firstSeq: state.first_seq, lastSeq: state.last_seq };
  }

  async consumerState(stream: string, consumer: string): Promise<ConsumerState> {
    const info = await this.#jsm.consumers.info(stream, consumer);
    return { pending: info.num_pending, ackPending: info.num_ack_pending };
  }

  async streamNames(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const name of this.#jsm.streams.names()) if (name.startsWith(prefix)) names.push(name);
    return names;
  }

  async getMessage(stream: string, seq: number): Promise<StoredMessage | undefined> {
    const stored = await this.#jsm.streams.getMessage(stream, { seq });
    return stored ? fromStored(stored) : undefined;
  }

  async getLastMessage(stream: string, subject: string): Promise<StoredMessage | undefined> {
    const stored = await this.#jsm.streams.getMessage(stream, { last_by_subj: subject });
    return stored ? fromStored(stored) : undefined;
  }

  async deleteMessage(stream: string, seq: number): Promise<void> {
    try {
      await this.#jsm.streams.deleteMessage(stream, seq, false);
    } catch (error) {
      // Deleting what is already gone (another process redrove it) is done, not failed.
      if (!MESSAGE_GONE.has((error as { code?: number }).code ?? 0)) throw error;
    }
  }

  async purge(stream: string): Promise<number> {
    return (await this.#jsm.streams.purge(stream)).purged;
  }

  /** A hand-made pull request (see SdkPull): no consumer lookup, no per-pull SDK machinery. */
  async pull(
    stream: string,
    consumerName: string,
    options: { maxMessages: number; expiresMs: number },
  ): Promise<PullBatch> {
    return new SdkPull(
      this.#nc,
      `${JS_API_PREFIX}.CONSUMER.MSG.NEXT.${stream}.${consumerName}`,
      { ...options, ackTimeoutMs: this.#apiTimeoutMs },
      (js, msg) => new SdkReceivedMessage(js, msg),
    );
  }

  subscribe(
    subject: string,
    onMessage: (data: Uint8Array) => void,
    onError: (error: unknown) => void,
  ): () => void {
    const subscription = this.#nc.subscribe(subject, {
      callback: (error, message) => {
        if (error) onError(error);
        else onMessage(message.data);
      },
    });
    return () => subscription.unsubscribe();
  }

  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  onError(listener: (error: unknown) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  async close(mode: 'graceful' | 'abandon'): Promise<void> {
    if (this.#nc.isClosed()) return;
    if (mode === 'abandon') {
      await this.#nc.close();
      return;
    }
    // drain() flushes what is pending; if the server is gone it cannot, so it is bounded.
    const drained = this.#nc.drain().catch(() => undefined);
    const timer = new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref());
    await Promise.race([drained, timer]);
    if (!this.#nc.isClosed()) await this.#nc.close();
  }

  native(): NatsConnection {
    return this.#nc;
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === 'reconnect') for (const listener of this.#reconnectListeners) listener();
      else if (status.type === 'error') this.#raise(status.error);
      else if (status.type === 'slowConsumer')
        this.#raise(
          new Error(
            `NATS subscription "${status.sub.getSubject()}" fell behind (${status.pending} messages pending): the client dropped messages; unacked jobs come back after AckWait`,
          ),
        );
    }
  }

  #raise(error: unknown): void {
    for (const listener of this.#errorListeners) listener(error);
  }
}
