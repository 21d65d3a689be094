import {
  type DeadLetterStore,
  type RedriveRequest,
  type RedriveSource,
  redrive,
  redrivenMeta,
  type SendOutcome,
  type StoredDeadLetter,
} from '@polyqueue/core/driver';
import { BODY_REF_HEADER, bodySubjectOf, headerBytes } from './dead-letter-copy.js';
import type { HeaderMap, StoredMessage } from './nats-client.js';
import { natsErrorCode } from './nats-errors.js';
import { queueNames } from './nats-names.js';
import { decodeMessage, jobHeaders } from './nats-wire.js';
import type { QueueContext } from './queue-context.js';

/** A dead letter with its body and attributes, read back from the body stream when it was split. */
interface Letter {
  readonly stored: StoredMessage;
  readonly body: Uint8Array;
  readonly headers: HeaderMap;
  /** Sequence of its body in the body stream, when it was moved there (dead-letter-copy.ts). */
  readonly bodySeq?: number;
}

/** Dead letters moved per round of a redrive: their publishes go out together. */
const REDRIVE_BATCH = 100;

/**
 * The dead-letter queue is a stream like any queue's (`<prefix>_Q_<name>.dlq`), read by sequence
 * with the stream's direct message API: peeking neither removes, locks nor counts a delivery.
 * A dead-letter stream that does not exist (provisioning off) is NotFound, as on every adapter:
 * core makes that a QueueNotFoundError.
 */
export class NatsDeadLetterStore implements DeadLetterStore {
  readonly #queue: QueueContext;

  constructor(queue: QueueContext) {
    this.#queue = queue;
  }

  async peek(limit: number): Promise<readonly StoredDeadLetter[]> {
    const letters: StoredDeadLetter[] = [];
    for await (const letter of this.scan(limit)) letters.push(this.toDeadLetter(letter));
    return letters;
  }

  /**
   * The kit's redrive loop over the stream, read in sequence order: publish to the source queue
   * (confirmed, with a `Nats-Msg-Id` naming the dead letter, so that a redrive interrupted after
   * the publish and run again within the duplicate window does not duplicate it), then delete
   * from the dead-letter stream. With `select`, the scan skips the letters it refuses: reading
   * by sequence holds nothing, so nothing is held aside and nothing bounds the scan but the stream.
   */
  redrive({ limit, select }: RedriveRequest): Promise<number> {
    const chosen = select === undefined ? undefined : (letter: Letter) => select(this.toDeadLetter(letter));
    return redrive(new RedriveScan(this, this.#queue, chosen), { limit, batchSize: REDRIVE_BATCH });
  }

  /** Deletes every dead letter (and the bodies stored apart for some); resolves with how many. */
  async purge(): Promise<number> {
    const { client, deadLetterNames } = this.#queue;
    const purged = await client.purge(deadLetterNames.stream);
    await client.purge(deadLetterNames.bodyStream).catch((error: unknown) => {
      if (natsErrorCode(error) !== 'NotFound') throw error; // made only when first needed
    });
    return purged;
  }

  /** A fresh job of its source queue again (kit `redrivenMeta`), published confirmed. */
  async republish(letter: Letter): Promise<void> {
    const { client, deadLetterNames, settings, topology } = this.#queue;
    const { stored } = letter;
    const decoded = decodeMessage(letter.headers);
    const source = decoded.deadLetter?.sourceQueue || topology.name;
    const meta = redrivenMeta(
      { ...decoded.meta, id: decoded.meta.id ?? `${deadLetterNames.stream}:${stored.streamSequence}` },
      stored.storedAt ?? this.#queue.clock.now(),
    );
    const msgId = `pq-redrive:${deadLetterNames.stream}:${stored.streamSequence}`;
    const headers = jobHeaders(decoded.attributes, meta);
    // A body that left no room for polyqueue's headers goes back as it came: attributes only, and
    // without a dedup id (so an interrupted redrive of it may duplicate it). It gets a new id.
    const fits = letter.body.length + headerBytes(headers, msgId) <= client.maxPayload;
    await client.publish(
      queueNames(settings.streamPrefix, source).subject,
      letter.body,
      fits ? { headers, msgId } : { headers: decoded.attributes },
    );
  }

  /** Stored dead letters in sequence order from `fromSeq`, at most `limit`, skipping deleted sequences. */
  async *scan(limit: number, fromSeq = 0): AsyncGenerator<Letter> {
    const { client, deadLetterNames } = this.#queue;
    const state = await client.streamState(deadLetterNames.stream);
    let found = 0;
    const first = Math.max(state.firstSeq, fromSeq);
    for (let seq = first; seq <= state.lastSeq && found < limit && state.messages > 0; seq++) {
      const stored = await client.getMessage(deadLetterNames.stream, seq);
      if (stored === undefined) continue;
      found++;
      yield await this.#withBody(stored);
    }
  }

  /** The letter with its body and attributes, fetched from the body stream if they were moved. */
  async #withBody(stored: StoredMessage): Promise<Letter> {
    const token = stored.headers[BODY_REF_HEADER];
    if (token === undefined || !/^[0-9a-f]+$/.test(token))
      return { stored, body: stored.data, headers: stored.headers };
    const { client, deadLetterNames } = this.#queue;
    const body = await client.getLastMessage(deadLetterNames.bodyStream, bodySubjectOf(this.#queue, token));
    // A body deleted by hand leaves the record: an empty body, no attributes, still listed.
    if (body === undefined) return { stored, body: stored.data, headers: stored.headers };
    return {
      stored,
      body: body.data,
      headers: { ...body.headers, ...stored.headers },
      bodySeq: body.streamSequence,
    };
  }

  toDeadLetter(letter: Letter): StoredDeadLetter {
    const decoded = decodeMessage(letter.headers);
    return {
      body: letter.body,
      attributes: decoded.attributes,
      meta: {
        ...decoded.meta,
        id: decoded.meta.id ?? `${this.#queue.deadLetterNames.stream}:${letter.stored.streamSequence}`,
      },
      ...(decoded.deadLetter ? { record: decoded.deadLetter } : {}),
      native: letter.stored.native,
    };
  }
}

/**
 * The dead-letter stream as the kit's redrive sees it. Reading by sequence holds nothing, so
 * `handBack` has nothing to do; the scan moves on past every letter it took, whether it was
 * moved, kept or not selected (`select`, asked once per letter), so no call sees one twice.
 */
class RedriveScan implements RedriveSource<Letter> {
  readonly #store: NatsDeadLetterStore;
  readonly #queue: QueueContext;
  readonly #select: ((letter: Letter) => boolean) | undefined;
  #nextSeq = 0;

  constructor(store: NatsDeadLetterStore, queue: QueueContext, select?: (letter: Letter) => boolean) {
    this.#store = store;
    this.#queue = queue;
    this.#select = select;
  }

  /** Up to `max` selected letters; [] once the scan has read to the end of the stream. */
  async take(max: number): Promise<readonly Letter[]> {
    const letters: Letter[] = [];
    let read: number;
    do {
      read = 0;
      for await (const letter of this.#store.scan(max - letters.length, this.#nextSeq)) {
        read++;
        this.#nextSeq = letter.stored.streamSequence + 1;
        if (this.#select === undefined || this.#select(letter)) letters.push(letter);
      }
    } while (read > 0 && letters.length < max);
    return letters;
  }

  jobId(letter: Letter): string {
    return this.#store.toDeadLetter(letter).meta.id;
  }

  publish(letters: readonly Letter[]): Promise<readonly SendOutcome[]> {
    return Promise.all(
      letters.map((letter) =>
        this.#store.republish(letter).then(
          (): SendOutcome => ({ ok: true }),
          (error: unknown): SendOutcome => ({ ok: false, error }),
        ),
      ),
    );
  }

  async remove(letters: readonly Letter[]): Promise<void> {
    const { client, deadLetterNames } = this.#queue;
    for (const letter of letters) {
      await client.deleteMessage(deadLetterNames.stream, letter.stored.streamSequence);
      if (letter.bodySeq !== undefined)
        await client.deleteMessage(deadLetterNames.bodyStream, letter.bodySeq);
    }
  }

  async handBack(): Promise<void> {}
}
