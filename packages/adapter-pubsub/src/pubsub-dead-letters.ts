import type { DeadLetterStore, StoredDeadLetter } from '@polyqueue/core/driver';
import { readyName } from './native-names.js';
import type { PulledMessage } from './pubsub-client.js';
import type { QueueConnection } from './queue-connection.js';
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
  readonly #queue: QueueConnection;

  constructor(queue: QueueConnection) {
    this.#queue = queue;
  }

  async peek(limit: number): Promise<readonly StoredDeadLetter[]> {
    const held = await this.#sweep(limit);
    await this.#handBack(held);
    return held.map(toStored);
  }

  async redrive(limit = Number.POSITIVE_INFINITY): Promise<number> {
    const { api, names, topology } = this.#queue;
    let moved = 0;
    while (moved < limit) {
      const batch = await this.#pullOnce(Math.min(PULL_BATCH, limit - moved));
      if (batch.length === 0) break;
      const targets = new Map<string, PulledMessage[]>();
      for (const message of batch) {
        const source = fromAttributes(message.attributes).deadLetter?.sourceQueue || topology.name;
        const list = targets.get(source) ?? [];
        list.push(message);
        targets.set(source, list);
      }
      let failure: unknown;
      for (const [source, messages] of targets) {
        const results = await api.publish(readyName(this.#queue.prefix, source), messages.map(redriven));
        const done: string[] = [];
        const failed: string[] = [];
        results.forEach((result, i) => {
          if (result.ok) done.push(messages[i]!.ackId);
          else {
            failed.push(messages[i]!.ackId);
            failure ??= result.error;
          }
        });
        if (done.length > 0) await api.acknowledge(names.deadLetter, done);
        if (failed.length > 0) await api.modifyAckDeadline(names.deadLetter, failed, 0);
        moved += done.length;
      }
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

/** The message as it goes back to its queue: attempt count reset, dead-letter fields removed. */
function redriven(message: PulledMessage) {
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
