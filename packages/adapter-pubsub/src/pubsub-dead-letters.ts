import type { DeadLetterStore, StoredDeadLetter } from '@polyqueue/core/driver';
import { readyName } from './native-names.js';
import type { PulledMessage } from './pubsub-client.js';
import type { QueueContext } from './queue-context.js';
import { fromAttributes, toAttributes } from './wire.js';

/** How long one pull of the dead-letter subscription may wait for more messages on real Pub/Sub. */
const PULL_WINDOW_MS = 2_000;
const PULL_BATCH = 1_000;
/** Attributes Pub/Sub adds when its own dead-letter policy moves a message. */
const NATIVE_DEAD_LETTER_PREFIX = 'CloudPubSubDeadLetterSource';

/**
 * The dead-letter queue: topic + subscription `<prefix><queue>.dlq`. Pub/Sub has no browse or
 * move API, so every operation pulls from the subscription:
 * - peek pulls, then hands everything back at once (modifyAckDeadline 0);
 * - redrive publishes each message to its source queue's ready topic `<queue>.ready` (attempts
 *   reset, dead-letter attributes removed: never to the queue's own topic, whose other subscribers
 *   saw the job when it was first sent), and acknowledges it only once that publish is confirmed;
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
   * One job can be in the dead-letter queue twice (a worker that died between publishing its dead
   * letter and acknowledging the original made a second one): Pub/Sub has no publish-side dedup to
   * stop it. Within one call a job id is moved once; a later copy of it is acknowledged without
   * being published, once the first copy's publish is confirmed, and is not counted.
   */
  async redrive(limit = Number.POSITIVE_INFINITY): Promise<number> {
    const { api, names, topology } = this.#queue;
    const redriven = new Set<string>();
    let moved = 0;
    while (moved < limit) {
      const batch = await this.#pullOnce(Math.min(PULL_BATCH, limit - moved));
      if (batch.length === 0) break;
      const targets = new Map<string, PulledMessage[]>();
      const repeats: { message: PulledMessage; jobId: string }[] = [];
      const inBatch = new Set<string>();
      for (const message of batch) {
        const jobId = jobIdOf(message);
        if (redriven.has(jobId) || inBatch.has(jobId)) {
          repeats.push({ message, jobId });
          continue;
        }
        inBatch.add(jobId);
        const source = fromAttributes(message.attributes).deadLetter?.sourceQueue || topology.name;
        const list = targets.get(source) ?? [];
        list.push(message);
        targets.set(source, list);
      }
      let failure: unknown;
      for (const [source, messages] of targets) {
        const results = await api.publish(readyName(this.#queue.prefix, source), messages.map(asRedriven));
        const done: string[] = [];
        const failed: string[] = [];
        results.forEach((result, i) => {
          const message = messages[i]!;
          if (result.ok) {
            done.push(message.ackId);
            redriven.add(jobIdOf(message));
          } else {
            failed.push(message.ackId);
            failure ??= result.error;
          }
        });
        if (done.length > 0) await api.acknowledge(names.deadLetter, done);
        if (failed.length > 0) await api.modifyAckDeadline(names.deadLetter, failed, 0);
        moved += done.length;
      }
      // A repeat goes only once its job is back on the queue; otherwise it stays for the next call.
      const dropped = repeats.filter(({ jobId }) => redriven.has(jobId)).map(({ message }) => message.ackId);
      const kept = repeats.filter(({ jobId }) => !redriven.has(jobId)).map(({ message }) => message.ackId);
      if (dropped.length > 0) await api.acknowledge(names.deadLetter, dropped);
      if (kept.length > 0) await api.modifyAckDeadline(names.deadLetter, kept, 0);
      if (failure !== undefined) throw failure;
    }
    return moved;
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

/** The message as it goes back to its queue: attempt count reset, dead-letter fields removed. */
function asRedriven(message: PulledMessage) {
  const decoded = fromAttributes(message.attributes);
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(decoded.attributes)) {
    if (!name.startsWith(NATIVE_DEAD_LETTER_PREFIX)) attributes[name] = value;
  }
  const { meta } = decoded;
  const orderingKey = meta.orderingKey;
  return {
    data: message.data,
    attributes: toAttributes(attributes, {
      id: meta.id ?? message.messageId,
      enqueuedAt: meta.enqueuedAt ?? message.publishTime,
      attemptOffset: 0,
      ...(orderingKey !== undefined ? { orderingKey } : {}),
      ...(meta.dedupId !== undefined ? { dedupId: meta.dedupId } : {}),
    }),
    ...(orderingKey !== undefined ? { orderingKey } : {}),
  };
}
