import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StoredMsg,
} from '@nats-io/jetstream';
import { headers as createHeaders, type MsgHdrs, type NatsConnection, nanos } from '@nats-io/transport-node';
import type {
  ConsumerSpec,
  ConsumerState,
  HeaderMap,
  NatsClient,
  PubAck,
  PublishOptions,
  PullBatch,
  ReceivedMessage,
  StoredMessage,
  StreamSpec,
  StreamState,
} from './nats-client.js';
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
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #apiTimeoutMs: number;
  readonly #reconnectListeners = new Set<() => void>();
  readonly #errorListeners = new Set<(error: unknown) => void>();

  private constructor(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, apiTimeoutMs: number) {
    this.#nc = nc;
    this.#apiTimeoutMs = apiTimeoutMs;
    this.#js = js;
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
    return new SdkClient(nc, jetstream(nc, { timeout: apiTimeoutMs }), jsm, apiTimeoutMs);
  }

  get serverVersion(): string {
    return this.#nc.info?.version ?? '0.0.0';
  }

  get maxPayload(): number {
    return this.#nc.info?.max_payload ?? 1_048_576;
  }

  /** The SDK's PubAck has `seq` and `duplicate`: returned as is, without one more promise per publish. */
  publish(subject: string, data: Uint8Array, options: PublishOptions): Promise<PubAck> {
    return this.#js.publish(subject, data, {
      headers: toMsgHdrs(options.headers),
      ...(options.msgId !== undefined ? { msgID: options.msgId } : {}),
    });
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
      (msg) => new SdkReceivedMessage(msg),
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

/**
 * `append`, not `set`: the names are a record's keys, so none repeats, and `set` would first look
 * for the name to delete it (a scan of every name), on every header of every publish.
 */
function toMsgHdrs(map: HeaderMap): MsgHdrs {
  const hdrs = createHeaders();
  for (const name in map) hdrs.append(name, map[name]!);
  return hdrs;
}

/** The first value of each header, as `get` gives it, in one pass (`get` scans every name each call). */
function fromMsgHdrs(hdrs: MsgHdrs | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  if (!hdrs) return map;
  for (const [name, values] of hdrs) map[name] = values[0] ?? '';
  return map;
}

function fromStored(stored: StoredMsg): StoredMessage {
  return {
    data: stored.data,
    headers: fromMsgHdrs(stored.header),
    streamSequence: stored.seq,
    native: stored,
  };
}

/**
 * A received JsMsg in the driver's terms. A class rather than an object of closures: this is
 * made for every delivered message, and three closures per message showed in profiles.
 * Settlements are protocol messages without a reply: on a closed connection they are lost, and
 * the server redelivers after AckWait, which is the documented outcome, not an error to raise.
 */
class SdkReceivedMessage implements ReceivedMessage {
  readonly data: Uint8Array;
  readonly headers: HeaderMap;
  readonly streamSequence: number;
  readonly deliveryCount: number;
  readonly native: JsMsg;

  constructor(msg: JsMsg) {
    const info = msg.info;
    this.data = msg.data;
    this.headers = fromMsgHdrs(msg.headers);
    this.streamSequence = info.streamSequence;
    this.deliveryCount = info.deliveryCount;
    this.native = msg;
  }

  ack(): void {
    try {
      this.native.ack();
    } catch {
      // lost with the connection: redelivered after AckWait
    }
  }

  nak(delayMs?: number): void {
    try {
      this.native.nak(delayMs);
    } catch {
      // lost with the connection: redelivered after AckWait
    }
  }

  working(): void {
    try {
      this.native.working();
    } catch {
      // lost with the connection: redelivered after AckWait
    }
  }
}
