import { headers as natsHeaders } from '@nats-io/transport-node';
import { type BackgroundError, BackgroundErrors, type Clock, systemClock } from '@polyqueue/core/driver';
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
} from '../src/nats-client.js';

export interface Published {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: HeaderMap;
  readonly msgId?: string;
}

class FakeError extends Error {
  constructor(
    name: string,
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = name;
  }
}

/**
 * An in-process NatsClient: streams keyed by their one subject, deduplication by msgId, direct
 * get and delete by sequence, and pull batches fed by the test. Every call that reaches the
 * "server" is appended to `log`, so tests can assert order (publish before ack).
 */
export class FakeClient implements NatsClient {
  readonly serverVersion = '2.9.10';
  /** The server's max_payload; publishes over it fail as the SDK fails them. */
  maxPayload = 1_048_576;
  readonly log: string[] = [];
  readonly published: Published[] = [];
  readonly streams = new Map<string, StreamSpec>();
  readonly consumers = new Map<string, ConsumerSpec>();
  readonly stored = new Map<string, Map<number, StoredMessage>>();
  readonly #lastSeq = new Map<string, number>();
  /** The subject of each stored message, by "<stream>#<seq>" (sequences are per stream). */
  readonly #subjects = new Map<string, string>();
  readonly #msgIds = new Map<string, number>();
  readonly #ready = new Map<string, ReceivedMessage[]>();
  readonly #subscriptions = new Map<string, (data: Uint8Array) => void>();
  /** When set, a publish to that subject fails with this error. */
  failPublishTo = new Map<string, Error>();

  async publish(subject: string, data: Uint8Array, options: PublishOptions): Promise<PubAck> {
    this.log.push(`publish ${subject}`);
    const failure = this.failPublishTo.get(subject);
    if (failure) throw failure;
    // Measured with the SDK's own header encoding, as nats-core's publish measures it.
    if (data.length + sdkHeaderBytes(options.headers, options.msgId) > this.maxPayload)
      throw new FakeError('InvalidArgumentError', "'payload' max_payload size exceeded");
    const stream = [...this.streams.values()].find((spec) => matches(spec.subject, subject));
    if (!stream) throw new FakeError('JetStreamNotEnabled', 'jetstream is not enabled');
    if (options.msgId !== undefined) {
      const seen = this.#msgIds.get(`${stream.name}/${options.msgId}`);
      if (seen !== undefined) return { seq: seen, duplicate: true };
    }
    const seq = (this.#lastSeq.get(stream.name) ?? 0) + 1;
    this.#lastSeq.set(stream.name, seq);
    if (options.msgId !== undefined) this.#msgIds.set(`${stream.name}/${options.msgId}`, seq);
    this.published.push({
      subject,
      data,
      headers: { ...options.headers },
      ...(options.msgId !== undefined ? { msgId: options.msgId } : {}),
    });
    if (stream.limits?.maxMsgsPerSubject === 1)
      for (const old of this.#messages(stream.name).keys())
        if (this.#subjects.get(`${stream.name}#${old}`) === subject) this.#messages(stream.name).delete(old);
    this.#subjects.set(`${stream.name}#${seq}`, subject);
    this.#messages(stream.name).set(seq, {
      data,
      headers: { ...options.headers },
      streamSequence: seq,
      native: undefined,
    });
    return { seq, duplicate: false };
  }

  async ensureStream(spec: StreamSpec): Promise<void> {
    this.log.push(`stream ${spec.name}`);
    this.streams.set(spec.name, spec);
  }

  async ensureConsumer(spec: ConsumerSpec): Promise<void> {
    this.log.push(`consumer ${spec.stream}/${spec.name}`);
    this.consumers.set(`${spec.stream}/${spec.name}`, spec);
  }

  async streamNames(prefix: string): Promise<string[]> {
    return [...this.streams.keys()].filter((name) => name.startsWith(prefix));
  }

  async streamState(stream: string): Promise<StreamState> {
    if (!this.streams.has(stream)) throw new FakeError('StreamNotFoundError', 'stream not found', 10059);
    const seqs = [...this.#messages(stream).keys()];
    return {
      messages: seqs.length,
      firstSeq: seqs.length ? Math.min(...seqs) : (this.#lastSeq.get(stream) ?? 0) + 1,
      lastSeq: this.#lastSeq.get(stream) ?? 0,
    };
  }

  async consumerState(stream: string, consumer: string): Promise<ConsumerState> {
    return { pending: this.#ready.get(`${stream}/${consumer}`)?.length ?? 0, ackPending: 0 };
  }

  async getLastMessage(stream: string, subject: string): Promise<StoredMessage | undefined> {
    const messages = this.#messages(stream);
    const seqs = [...messages.keys()].filter((seq) => this.#subjects.get(`${stream}#${seq}`) === subject);
    return seqs.length ? messages.get(Math.max(...seqs)) : undefined;
  }

  async getMessage(stream: string, seq: number): Promise<StoredMessage | undefined> {
    return this.#messages(stream).get(seq);
  }

  async deleteMessage(stream: string, seq: number): Promise<void> {
    this.log.push(`delete ${stream}#${seq}`);
    this.#messages(stream).delete(seq);
  }

  async purge(stream: string): Promise<number> {
    const messages = this.#messages(stream);
    const count = messages.size;
    messages.clear();
    return count;
  }

  /** Makes `message` deliverable on `stream`/`consumer`. */
  deliver(stream: string, consumer: string, message: ReceivedMessage): void {
    const key = `${stream}/${consumer}`;
    const ready = this.#ready.get(key) ?? [];
    ready.push(message);
    this.#ready.set(key, ready);
  }

  async pull(stream: string, consumer: string, options: { maxMessages: number }): Promise<PullBatch> {
    this.log.push(`pull ${stream}/${consumer} ${options.maxMessages}`);
    const ready = this.#ready.get(`${stream}/${consumer}`) ?? [];
    const taken = ready.splice(0, options.maxMessages);
    let stopped = false;
    return {
      // Like a real pull, an empty one waits (here briefly) before it ends.
      next: async () => {
        if (!stopped && taken.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        return stopped ? undefined : taken.shift();
      },
      take: () => (stopped ? undefined : taken.shift()),
      buffered: () => taken.length,
      // Everything it will ever hold was taken at the pull.
      pending: () => 0,
      stop: () => {
        stopped = true;
      },
    };
  }

  subscribe(
    subject: string,
    onMessage: (data: Uint8Array) => void,
    onError: (error: unknown) => void,
  ): () => void {
    this.#subscriptions.set(subject, onMessage);
    this.subscriptionErrors.set(subject, onError);
    return () => {
      this.#subscriptions.delete(subject);
      this.subscriptionErrors.delete(subject);
    };
  }

  /** Delivers a core-NATS message to the subscriber of `subject` (an advisory). */
  emit(subject: string, value: unknown): void {
    this.#subscriptions.get(subject)?.(new TextEncoder().encode(JSON.stringify(value)));
  }

  onReconnect(): () => void {
    return () => undefined;
  }

  readonly errorListeners = new Set<(error: unknown) => void>();
  onError(listener: (error: unknown) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Errors a subscription's `onError` is given. */
  readonly subscriptionErrors = new Map<string, (error: unknown) => void>();

  async close(): Promise<void> {}

  native(): unknown {
    return this;
  }

  #messages(stream: string): Map<number, StoredMessage> {
    let messages = this.stored.get(stream);
    if (!messages) {
      messages = new Map();
      this.stored.set(stream, messages);
    }
    return messages;
  }
}

/** A delivered message whose settlements are written to `client.log`. */
export function received(
  client: FakeClient,
  init: { seq: number; headers?: HeaderMap; data?: string; deliveryCount?: number },
): ReceivedMessage {
  const { seq } = init;
  return {
    data: new TextEncoder().encode(init.data ?? '{"n":1}'),
    headers: init.headers ?? {},
    streamSequence: seq,
    deliveryCount: init.deliveryCount ?? 1,
    native: { fake: seq },
    ack: () => void client.log.push(`ack #${seq}`),
    nak: (delayMs) => void client.log.push(delayMs === undefined ? `nak #${seq}` : `nak #${seq} ${delayMs}`),
    working: () => void client.log.push(`working #${seq}`),
  };
}

/**
 * The header block's size as the SDK writes it (nats-core's MsgHdrs `encode()`, which its publish
 * measures against max_payload; not part of the public type, so reached through a cast).
 */
export function sdkHeaderBytes(headers: HeaderMap, msgId?: string): number {
  const hdrs = natsHeaders();
  for (const [name, value] of Object.entries(headers)) hdrs.append(name, value);
  if (msgId !== undefined) hdrs.set('Nats-Msg-Id', msgId);
  return (hdrs as unknown as { encode(): Uint8Array }).encode().length;
}

/** A stream's subject filter: exact, or ending in `.*` for one more token. */
function matches(filter: string, subject: string): boolean {
  if (filter === subject) return true;
  if (!filter.endsWith('.*')) return false;
  const base = filter.slice(0, -1);
  return subject.startsWith(base) && !subject.slice(base.length).includes('.');
}

/** The wall clock's timers with a fixed `now`: due times are decided by the test. */
export function clockAt(now: number): Clock {
  return { now: () => now, setTimeout: systemClock.setTimeout, clearTimeout: systemClock.clearTimeout };
}

/** Background errors that land in `reports` (what core's sink would receive). */
export function collecting(reports: BackgroundError[]): BackgroundErrors {
  const errors = new BackgroundErrors();
  errors.attach((report) => reports.push(report));
  return errors;
}

/** A pull the test fills message by message, as the server would; it ends once filled or stopped. */
export class ScriptedPull implements PullBatch {
  readonly #arrived: ReceivedMessage[] = [];
  #count = 0;
  #stopped = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(readonly size: number) {}

  feed(message: ReceivedMessage): void {
    this.#arrived.push(message);
    this.#count++;
    this.#wake?.();
  }

  /** Ends the pull with `error`: what arrived first is still taken, then next() rejects. */
  fail(error: Error): void {
    this.#error = error;
    this.stop();
  }

  /** True while a `next()` waits on this pull for a message (the receiver is listening to it). */
  waitedOn = false;

  async next(): Promise<ReceivedMessage | undefined> {
    while (this.#arrived.length === 0 && !this.#ended()) {
      this.waitedOn = true;
      await new Promise<void>((r) => (this.#wake = r));
      this.waitedOn = false;
    }
    const message = this.#arrived.shift();
    if (message === undefined && this.#error !== undefined) throw this.#error;
    return message;
  }

  ended(): boolean {
    return this.#ended();
  }

  take(): ReceivedMessage | undefined {
    return this.#arrived.shift();
  }

  buffered(): number {
    return this.#arrived.length;
  }

  pending(): number {
    return this.#ended() ? 0 : this.size - this.#count;
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  #ended(): boolean {
    return this.#stopped || this.#count === this.size;
  }
}

/** A client whose pulls are ScriptedPulls, kept in `pulls` in the order they were made. */
export class PullingClient extends FakeClient {
  readonly pulls: ScriptedPull[] = [];
  override async pull(_stream: string, _consumer: string, options: { maxMessages: number }) {
    const pull = new ScriptedPull(options.maxMessages);
    this.pulls.push(pull);
    return pull;
  }
}
