import {
  type DeadLetterStore,
  type RedriveRequest,
  type RedriveSource,
  redrive,
  redrivenMeta,
  type SendOutcome,
  type StoredDeadLetter,
} from '@polyqueue/core/driver';
import { readyName } from './native-names.js';
import type { PulledMessage } from './pubsub-client.js';
import type { QueueContext } from './queue-context.js';
import { fromAttributes, toAttributes } from './wire.js';

/** How long one pull of the dead-letter subscription may wait for more messages on real Pub/Sub. */
const PULL_WINDOW_MS = 2_000;
const PULL_BATCH = 1_000;
/**
 * A redrive with a selection holds the letters it refuses (pulled, not acknowledged) until the
 * call ends, so that its later pulls go on past them: each pull of such a call extends its
 * letters' ack deadline to Pub/Sub's maximum, and the call holds them a minute less than that
 * (room for the last batch's publishes and acknowledgements).
 */
const SELECT_HOLD_SECONDS = 600;
const SELECT_HOLD_MS = (SELECT_HOLD_SECONDS - 60) * 1_000;
/** Attributes Pub/Sub adds when its own dead-letter policy moves a message. */
const NATIVE_DEAD_LETTER_PREFIX = 'CloudPubSubDeadLetterSource';

/**
 * The dead-letter queue: topic + subscription `<prefix><queue>.dlq`. Pub/Sub has no browse or
 * move API, so every operation pulls from the subscription:
 * - peek pulls, then hands everything back at once (modifyAckDeadline 0);
 * - redrive (the kit's loop) publishes each message to its source queue's ready topic
 *   `<queue>.ready` (attempts reset, dead-letter attributes removed: never to the queue's own
 *   topic, whose other subscribers saw the job when it was first sent), and acknowledges it only
 *   once that publish is confirmed;
 * - purge pulls and acknowledges.
 * Counts are what Pub/Sub hands out in one sweep: on a busy or very large DLQ, call again.
 */
export class PubSubDeadLetters implements DeadLetterStore {
  readonly #queue: QueueContext;

  constructor(queue: QueueContext) {
    this.#queue = queue;
  }

  async peek(limit: number): Promise<readonly StoredDeadLetter[]> {
    const held = await this.#sweep(limit);
    await this.#handBack(held);
    return held.map(toStored);
  }

  /**
   * The kit's redrive loop: each letter goes to its source queue's ready topic with fresh
   * metadata, and leaves the dead-letter subscription only once that publish is confirmed. A job
   * in the dead-letter queue twice (a worker died between publishing its dead letter and
   * acknowledging the original; Pub/Sub has no publish-side dedup) is moved once per call.
   * With `select`, the letters it refuses are handed back (nacked: a dead-letter subscription
   * has no dead-letter policy, so that counts against nothing) when the call ends.
   */
  redrive({ limit, select }: RedriveRequest): Promise<number> {
    const take =
      select === undefined ? (max: number) => this.#pullOnce(max) : (max: number) => this.#pullHeld(max);
    return redrive(new DeadLetterPath(this.#queue, take), {
      batchSize: PULL_BATCH,
      limit,
      ...(select !== undefined ? { select: (message: PulledMessage) => select(toStored(message)) } : {}),
      hold: { ms: SELECT_HOLD_MS },
    });
  }

  async purge(): Promise<number> {
    const { api, names } = this.#queue;
    let purged = 0;
    for (;;) {
      const batch = await this.#pullOnce(PULL_BATCH);
      if (batch.length === 0) return purged;
      await api.acknowledge(
        names.deadLetter,
        batch.map((message) => message.ackId),
      );
      purged += batch.length;
    }
  }

  /** Pulls until `limit` distinct messages are held or none come; holds them all meanwhile. */
  async #sweep(limit: number): Promise<PulledMessage[]> {
    const held = new Map<string, PulledMessage>();
    while (held.size < limit) {
      const batch = await this.#pullOnce(Math.min(PULL_BATCH, limit - held.size));
      if (batch.length === 0) break;
      for (const message of batch) held.set(message.messageId, message);
    }
    return [...held.values()];
  }

  async #handBack(messages: readonly PulledMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.#queue.api.modifyAckDeadline(
      this.#queue.names.deadLetter,
      messages.map((message) => message.ackId),
      0,
    );
  }

  /** A pull whose letters stay held past the subscription's ack deadline (see SELECT_HOLD_SECONDS). */
  async #pullHeld(max: number): Promise<PulledMessage[]> {
    const pulled = await this.#pullOnce(max);
    if (pulled.length > 0)
      await this.#queue.api.modifyAckDeadline(
        this.#queue.names.deadLetter,
        ackIds(pulled),
        SELECT_HOLD_SECONDS,
      );
    return pulled;
  }

  async #pullOnce(max: number): Promise<PulledMessage[]> {
    const { api, names } = this.#queue;
    const wait = !api.isEmulator;
    const signal = wait ? AbortSignal.timeout(PULL_WINDOW_MS) : new AbortController().signal;
    return api.pull(names.deadLetter, Math.max(1, max), { wait, signal });
  }
}

function toStored(message: PulledMessage): StoredDeadLetter {
  const decoded = fromAttributes(message.attributes);
  return {
    body: message.data,
    attributes: decoded.attributes,
    meta: { ...decoded.meta, id: decoded.meta.id ?? message.messageId },
    ...(decoded.deadLetter ? { record: decoded.deadLetter } : {}),
    native: message,
  };
}

/** The job a dead letter holds: its polyqueue id, else (a foreign message) the dead letter's own. */
function jobIdOf(message: PulledMessage): string {
  return fromAttributes(message.attributes).meta.id ?? message.messageId;
}

/** The dead-letter subscription as the kit's redrive loop sees it. */
class DeadLetterPath implements RedriveSource<PulledMessage> {
  readonly #queue: QueueContext;
  readonly take: (max: number) => Promise<readonly PulledMessage[]>;

  constructor(queue: QueueContext, take: (max: number) => Promise<readonly PulledMessage[]>) {
    this.#queue = queue;
    this.take = take;
  }

  jobId(letter: PulledMessage): string {
    return jobIdOf(letter);
  }

  /** To each letter's source queue's ready topic, one publish per source queue. */
  async publish(letters: readonly PulledMessage[]): Promise<readonly SendOutcome[]> {
    const { api, prefix, topology } = this.#queue;
    const bySource = new Map<string, number[]>();
    letters.forEach((letter, i) => {
      const source = fromAttributes(letter.attributes).deadLetter?.sourceQueue || topology.name;
      const indices = bySource.get(source) ?? [];
      indices.push(i);
      bySource.set(source, indices);
    });
    const outcomes: SendOutcome[] = new Array(letters.length);
    await Promise.all(
      [...bySource].map(async ([source, indices]) => {
        const results = await api.publish(
          readyName(prefix, source),
          indices.map((i) => asRedriven(letters[i]!)),
        );
        results.forEach((result, k) => {
          outcomes[indices[k]!] = result.ok ? OK : { ok: false, error: result.error };
        });
      }),
    );
    return outcomes;
  }

  remove(letters: readonly PulledMessage[]): Promise<void> {
    return this.#queue.api.acknowledge(this.#queue.names.deadLetter, ackIds(letters));
  }

  handBack(letters: readonly PulledMessage[]): Promise<void> {
    return this.#queue.api.modifyAckDeadline(this.#queue.names.deadLetter, ackIds(letters), 0);
  }
}

const OK: SendOutcome = Object.freeze({ ok: true });

function ackIds(messages: readonly PulledMessage[]): string[] {
  return messages.map((message) => message.ackId);
}

/** The message as it goes back to its queue: a fresh job (`redrivenMeta`), dead-letter fields removed. */
function asRedriven(message: PulledMessage) {
  const decoded = fromAttributes(message.attributes);
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(decoded.attributes)) {
    if (!name.startsWith(NATIVE_DEAD_LETTER_PREFIX)) attributes[name] = value;
  }
  const meta = redrivenMeta(
    { ...decoded.meta, id: decoded.meta.id ?? message.messageId },
    message.publishTime,
  );
  return {
    data: message.data,
    attributes: toAttributes(attributes, meta),
    ...(meta.orderingKey !== undefined ? { orderingKey: meta.orderingKey } : {}),
  };
}
