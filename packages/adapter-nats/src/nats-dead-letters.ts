import type { DeadLetterStore, StoredDeadLetter } from '@polyqueue/core/driver';
import type { StoredMessage } from './nats-client.js';
import { natsErrorCode } from './nats-errors.js';
import { queueNames } from './nats-names.js';
import { completeMeta, decodeMessage, jobHeaders } from './nats-wire.js';
import type { QueueContext } from './queue-context.js';

/**
 * The dead-letter queue is a stream like any queue's (`<prefix>_Q_<name>.dlq`), read by sequence
 * with the stream's direct message API: peeking neither removes, locks nor counts a delivery.
 */
export class NatsDeadLetterStore implements DeadLetterStore {
  readonly #queue: QueueContext;

  constructor(queue: QueueContext) {
    this.#queue = queue;
  }

  async peek(limit: number): Promise<readonly StoredDeadLetter[]> {
    const letters: StoredDeadLetter[] = [];
    for await (const stored of this.#scan(limit)) letters.push(this.#toDeadLetter(stored));
    return letters;
  }

  /**
   * Publish to the source queue (confirmed, with a `Nats-Msg-Id` naming the dead letter, so that a
   * redrive interrupted after the publish and run again within the duplicate window does not
   * duplicate it), then delete from the dead-letter stream.
   */
  async redrive(limit = Number.POSITIVE_INFINITY): Promise<number> {
    const { client, deadLetterNames, settings, topology } = this.#queue;
    let moved = 0;
    for await (const stored of this.#scan(limit)) {
      const decoded = decodeMessage(stored.headers);
      const source = decoded.deadLetter?.sourceQueue || topology.name;
      const { notBefore: _, ...meta } = {
        ...completeMeta(
          decoded.meta,
          `${deadLetterNames.stream}:${stored.streamSequence}`,
          this.#queue.now(),
        ),
        attemptOffset: 0,
      };
      await client.publish(queueNames(settings.streamPrefix, source).subject, stored.data, {
        headers: jobHeaders(decoded.attributes, meta),
        msgId: `pq-redrive:${deadLetterNames.stream}:${stored.streamSequence}`,
      });
      await client.deleteMessage(deadLetterNames.stream, stored.streamSequence);
      moved++;
    }
    return moved;
  }

  async purge(): Promise<number> {
    try {
      return await this.#queue.client.purge(this.#queue.deadLetterNames.stream);
    } catch (error) {
      if (natsErrorCode(error) === 'NotFound') return 0;
      throw error;
    }
  }

  /** Stored dead letters in sequence order, at most `limit`, skipping deleted sequences. */
  async *#scan(limit: number): AsyncGenerator<StoredMessage> {
    const { client, deadLetterNames } = this.#queue;
    let state: Awaited<ReturnType<typeof client.streamState>>;
    try {
      state = await client.streamState(deadLetterNames.stream);
    } catch (error) {
      if (natsErrorCode(error) === 'NotFound') return;
      throw error;
    }
    let found = 0;
    for (let seq = state.firstSeq; seq <= state.lastSeq && found < limit && state.messages > 0; seq++) {
      const stored = await client.getMessage(deadLetterNames.stream, seq);
      if (stored === undefined) continue;
      found++;
      yield stored;
    }
  }

  #toDeadLetter(stored: StoredMessage): StoredDeadLetter {
    const decoded = decodeMessage(stored.headers);
    return {
      body: stored.data,
      attributes: decoded.attributes,
      meta: {
        ...decoded.meta,
        id: decoded.meta.id ?? `${this.#queue.deadLetterNames.stream}:${stored.streamSequence}`,
      },
      ...(decoded.deadLetter ? { record: decoded.deadLetter } : {}),
      native: stored.native,
    };
  }
}
