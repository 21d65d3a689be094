/**
 * The narrow interface between the driver and the NATS SDK: the handful of calls the driver
 * makes, in the driver's own terms. `sdk-client.ts` implements it over `@nats-io/transport-node`
 * and `@nats-io/jetstream`; unit tests implement it in memory (test/fake-client.ts).
 *
 * Contract for implementations:
 * - Every call that waits for the server is bounded by the client's API timeout, also while the
 *   connection is down (JetStream requests made while disconnected otherwise only end at their
 *   timeout anyway; the bound is what makes that deliberate). Failures reject with the native
 *   error, unchanged; `nats-errors.ts` maps it.
 * - Settling a received message (`ack`, `nak`, `working`) never throws: it is a fire-and-forget
 *   protocol message. On a dead connection it is lost, and the server redelivers after AckWait.
 */
export type HeaderMap = Readonly<Record<string, string>>;

export interface PublishOptions {
  readonly headers: HeaderMap;
  /** `Nats-Msg-Id`: the stream drops a repeat inside its duplicate window. */
  readonly msgId?: string;
}

export interface PubAck {
  readonly seq: number;
  /** True when the stream dropped this publish as a repeat of `msgId`. */
  readonly duplicate: boolean;
}

/** A message as stored in a stream, read without consuming it. */
export interface StoredMessage {
  readonly data: Uint8Array;
  readonly headers: HeaderMap;
  readonly streamSequence: number;
  /** When the stream stored it, epoch ms (absent where unknown). */
  readonly storedAt?: number;
  /** The SDK's StoredMsg. */
  readonly native: unknown;
}

/** A message delivered by a pull consumer, held until it is settled. */
export interface ReceivedMessage extends StoredMessage {
  /** The server's delivery count for this message on its consumer, counting this one. */
  readonly deliveryCount: number;
  ack(): void;
  /** Redeliver after `delayMs` (at once when absent). Counts as a delivery. */
  nak(delayMs?: number): void;
  /** Reset AckWait (`+WPI`). */
  working(): void;
}

/** One open pull request: up to `maxMessages`, ending when filled or when it expires. */
export interface PullBatch {
  /** The next message; `undefined` once the pull has ended. Rejects when it failed. */
  next(): Promise<ReceivedMessage | undefined>;
  /** The next message that already arrived, without waiting; undefined when none has. */
  take(): ReceivedMessage | undefined;
  /** Messages that arrived and were not yet taken with `next()`. */
  buffered(): number;
  /**
   * Messages this pull may still bring: asked for and not yet arrived; 0 once it ended. May
   * over-count (a pull the server already expired), never under-count: the receiver's bound
   * rests on it.
   */
  pending(): number;
  /** Ends the pull; the server drops a pull request nobody listens to. */
  stop(): void;
}

export interface StreamSpec {
  readonly name: string;
  readonly subject: string;
  readonly duplicateWindowMs: number;
  /**
   * Set for a Limits stream, whose messages stay until they expire (`maxAgeMs`), are replaced
   * by a newer one on their subject (`maxMsgsPerSubject`) or are deleted. Absent for a WorkQueue
   * stream, whose messages leave when acked or deleted.
   */
  readonly limits?: { readonly maxAgeMs?: number; readonly maxMsgsPerSubject?: number };
}

export interface ConsumerSpec {
  readonly stream: string;
  readonly name: string;
  readonly filterSubject: string;
  readonly ackWaitMs: number;
  /** -1: unlimited. */
  readonly maxDeliver: number;
}

export interface StreamState {
  readonly messages: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface ConsumerState {
  /** Not yet delivered. */
  readonly pending: number;
  /** Delivered and not yet acked (including NAKed with a delay). */
  readonly ackPending: number;
}

export interface NatsClient {
  /** The server's version, e.g. "2.9.10", from its INFO. */
  readonly serverVersion: string;
  /** The server's max_payload, from its INFO. */
  readonly maxPayload: number;
  publish(subject: string, data: Uint8Array, options: PublishOptions): Promise<PubAck>;
  /** Creates the stream, or brings an existing one to this spec. Idempotent. */
  ensureStream(spec: StreamSpec): Promise<void>;
  /** Creates the durable consumer, or updates it to this spec. Idempotent. */
  ensureConsumer(spec: ConsumerSpec): Promise<void>;
  /** Rejects with the SDK's StreamNotFoundError when the stream does not exist. */
  streamState(stream: string): Promise<StreamState>;
  consumerState(stream: string, consumer: string): Promise<ConsumerState>;
  /** The names of every stream on the server that start with `prefix` (listed page by page). */
  streamNames(prefix: string): Promise<string[]>;
  /** `undefined` when no message has that sequence (deleted, or never stored). */
  getMessage(stream: string, seq: number): Promise<StoredMessage | undefined>;
  /** The last message stored on `subject`; `undefined` when there is none. */
  getLastMessage(stream: string, subject: string): Promise<StoredMessage | undefined>;
  deleteMessage(stream: string, seq: number): Promise<void>;
  /** Removes every message; resolves with how many. */
  purge(stream: string): Promise<number>;
  pull(
    stream: string,
    consumer: string,
    options: { maxMessages: number; expiresMs: number },
  ): Promise<PullBatch>;
  /**
   * A plain core-NATS subscription (advisories). `onError` gets what ends or breaks it (e.g. a
   * permissions violation). Returns its unsubscribe.
   */
  subscribe(
    subject: string,
    onMessage: (data: Uint8Array) => void,
    onError: (error: unknown) => void,
  ): () => void;
  /** Calls `listener` after every reconnect. Returns its removal. */
  onReconnect(listener: () => void): () => void;
  /**
   * Calls `listener` with the connection's asynchronous errors, which no request receives: an
   * error the server sent (`-ERR`), a subscription that fell behind and lost messages.
   */
  onError(listener: (error: unknown) => void): () => void;
  /** `graceful`: flush, then close. `abandon`: drop the socket at once, flushing nothing. */
  close(mode: 'graceful' | 'abandon'): Promise<void>;
  /** The SDK connection (the escape hatch). */
  native(): unknown;
}
