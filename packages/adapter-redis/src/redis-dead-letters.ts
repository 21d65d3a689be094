import {
  type DeadLetterStore,
  type RedriveRequest,
  type RedriveSource,
  redrive,
  redrivenMeta,
  type SendOutcome,
  type StoredDeadLetter,
} from '@polyqueue/core/driver';
import { DELETE_DEAD, PEEK_DEAD, PURGE_DEAD, REDRIVE } from './lua-scripts.js';
import type { QueueContext } from './queue-context.js';
import { entryTime } from './redis-delivery.js';
import { decodeEntry, entryFields, type StreamEntry, toEntries } from './redis-wire.js';

/** Letters one redrive script moves. */
export const REDRIVE_BATCH = 100;

/** `raw` of a dead letter on Redis: its entry in the dead-letter stream. */
export interface RedisDeadLetterMessage {
  readonly stream: string;
  readonly id: string;
  readonly fields: readonly Buffer[];
}

/**
 * The queue's dead-letter stream (`<prefix>:{<queue>}:dead`). Peeking is XRANGE: it neither
 * removes, locks nor counts a delivery. Each letter moves back in one script (add to the work
 * stream, then delete the letter), so a redrive is atomic per job. Every operation first checks
 * that the queue's stream exists: a queue nobody created is NotFound, not "no dead letters".
 */
export class RedisDeadLetterStore implements DeadLetterStore {
  readonly #queue: QueueContext;

  constructor(queue: QueueContext) {
    this.#queue = queue;
  }

  async peek(limit: number): Promise<readonly StoredDeadLetter[]> {
    const entries = await this.#read('-', limit);
    return entries.map((entry) => this.#toDeadLetter(entry));
  }

  /** With `select`, the read skips the letters it refuses: nothing is held, so nothing is held aside. */
  redrive({ limit, select }: RedriveRequest): Promise<number> {
    const chosen =
      select === undefined ? undefined : (entry: StreamEntry) => select(this.#toDeadLetter(entry));
    const source = new DeadStreamSource(this.#queue, (after, max) => this.#read(after, max), chosen);
    return redrive(source, { limit, batchSize: REDRIVE_BATCH });
  }

  async purge(): Promise<number> {
    const { client, keys } = this.#queue;
    return Number(await PURGE_DEAD.run(client, [keys.stream, keys.dead], []));
  }

  async #read(after: string, limit: number): Promise<StreamEntry[]> {
    if (limit <= 0) return [];
    const { client, keys } = this.#queue;
    return toEntries(await PEEK_DEAD.run(client, [keys.stream, keys.dead], [after, limit]));
  }

  #toDeadLetter(entry: StreamEntry): StoredDeadLetter {
    const decoded = decodeEntry(entry);
    const native: RedisDeadLetterMessage = {
      stream: this.#queue.keys.dead,
      id: entry.id,
      fields: entry.fields,
    };
    return {
      body: decoded.body,
      attributes: decoded.attributes,
      meta: { ...decoded.meta, id: decoded.meta.id ?? `${this.#queue.topology.name}:${entry.id}` },
      ...(decoded.deadLetter ? { record: decoded.deadLetter } : {}),
      native,
    };
  }
}

/**
 * The dead-letter stream as the kit's redrive loop sees it. Nothing is held: `take` reads on from
 * the last letter it read (returned, or refused by `select`, asked once per letter), and
 * `publish` moves each letter only if it is still there, so two redrives at once move each letter
 * once (each may count it, though).
 */
class DeadStreamSource implements RedriveSource<StreamEntry> {
  readonly #queue: QueueContext;
  readonly #read: (after: string, max: number) => Promise<StreamEntry[]>;
  readonly #select: ((entry: StreamEntry) => boolean) | undefined;
  #after = '-';

  constructor(
    queue: QueueContext,
    read: (after: string, max: number) => Promise<StreamEntry[]>,
    select?: (entry: StreamEntry) => boolean,
  ) {
    this.#queue = queue;
    this.#read = read;
    this.#select = select;
  }

  /** Up to `max` selected letters; [] once the read reached the end of the stream. */
  async take(max: number): Promise<readonly StreamEntry[]> {
    const chosen: StreamEntry[] = [];
    for (;;) {
      const entries = await this.#read(this.#after, max - chosen.length);
      if (entries.length === 0) return chosen;
      this.#after = entries[entries.length - 1]!.id;
      for (const entry of entries) if (this.#select === undefined || this.#select(entry)) chosen.push(entry);
      if (chosen.length >= max) return chosen;
    }
  }

  jobId(letter: StreamEntry): string {
    return decodeEntry(letter).meta.id ?? `${this.#queue.topology.name}:${letter.id}`;
  }

  async publish(letters: readonly StreamEntry[]): Promise<readonly SendOutcome[]> {
    const { client, keys } = this.#queue;
    const args: (string | Buffer | number)[] = [];
    const outcomes: SendOutcome[] = letters.map(() => ({ ok: true }));
    letters.forEach((letter) => {
      const decoded = decodeEntry(letter);
      const meta = redrivenMeta({ ...decoded.meta, id: this.jobId(letter) }, entryTime(letter.id));
      const fields = entryFields(decoded.body, decoded.attributes, meta);
      args.push(letter.id, fields.length, ...fields);
    });
    await REDRIVE.run(client, [keys.dead, keys.stream], args);
    return outcomes;
  }

  /** Moved letters are gone already; this deletes the later copies of a job moved in this call. */
  async remove(letters: readonly StreamEntry[]): Promise<void> {
    const { client, keys } = this.#queue;
    await DELETE_DEAD.run(
      client,
      [keys.stream, keys.dead],
      letters.map((letter) => letter.id),
    );
  }

  /** Nothing is held. */
  async handBack(): Promise<void> {}
}
