import {
  type DeadLetterStore,
  decodeHeaders,
  type RedriveRequest,
  type RedriveSource,
  redrive,
  redrivenMeta,
  type SendOutcome,
  type StoredDeadLetter,
} from '@polyqueue/core/driver';
import { storedHeaders } from './job-rows.js';
import type { QueueContext } from './queue-context.js';
import { type Row, toBytes, toJson, toNumber } from './sql-executor.js';
import {
  DEAD_DELETE,
  DEAD_PEEK,
  DEAD_PURGE,
  INSERT_ROW_PARAMS,
  insertJobs,
  QUEUE_EXISTS,
} from './statements.js';

/** Letters one redrive round moves. */
export const REDRIVE_BATCH = 100;

/** `raw` of a dead letter: its dead_letters row. */
export interface SqlDeadLetterRow {
  readonly table: 'dead_letters';
  readonly seq: string;
  readonly queue: string;
  readonly id: string | null;
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly failedAt: number;
}

/**
 * The queue's rows in `dead_letters`. Peeking is a SELECT: it neither removes, locks nor counts a
 * delivery. Each letter moves back in one transaction (insert the job, delete the letter), so a
 * redrive is atomic per letter. A queue nobody provisioned is NotFound, not "no dead letters".
 */
export class SqlDeadLetterStore implements DeadLetterStore {
  readonly #queue: QueueContext;

  constructor(queue: QueueContext) {
    this.#queue = queue;
  }

  async peek(limit: number): Promise<readonly StoredDeadLetter[]> {
    const rows = await this.read('0', limit);
    return rows.map((row) => toDeadLetter(row));
  }

  /** With `select`, `take` skips the letters it refuses: nothing is held, so nothing is held aside. */
  async redrive({ limit, select }: RedriveRequest): Promise<number> {
    await this.#known();
    const chosen = select === undefined ? undefined : (row: SqlDeadLetterRow) => select(toDeadLetter(row));
    return redrive(new DeadLetterSource(this.#queue, this, chosen), { limit, batchSize: REDRIVE_BATCH });
  }

  async purge(): Promise<number> {
    await this.#known();
    const rows = await this.#queue.run(`${DEAD_PURGE} RETURNING seq`, [this.#queue.topology.name]);
    return rows.length;
  }

  async read(afterSeq: string, limit: number): Promise<SqlDeadLetterRow[]> {
    await this.#known();
    if (limit <= 0) return [];
    const rows = await this.#queue.run(DEAD_PEEK, [this.#queue.topology.name, afterSeq, limit]);
    return rows.map(deadLetterRow);
  }

  async #known(): Promise<void> {
    await this.#queue.ready();
    const rows = await this.#queue.run(QUEUE_EXISTS, [this.#queue.topology.name]);
    if (rows.length === 0) throw new QueueMissingError(this.#queue.topology.name);
  }
}

/** A queue that was never provisioned (mapped to NotFound). */
export class QueueMissingError extends Error {
  override readonly name = 'QueueMissingError';
  constructor(queue: string) {
    super(`Queue "${queue}" does not exist (it was never provisioned)`);
  }
}

function deadLetterRow(row: Row): SqlDeadLetterRow {
  return {
    table: 'dead_letters',
    seq: String(row.seq),
    queue: String(row.queue),
    id: typeof row.id === 'string' ? row.id : null,
    body: toBytes(row.body),
    headers: toJson(row.headers),
    failedAt: toNumber(row.failed_at),
  };
}

function letterId(row: SqlDeadLetterRow, decodedId: string | undefined): string {
  return row.id ?? decodedId ?? `${row.queue}:dead:${row.seq}`;
}

function toDeadLetter(row: SqlDeadLetterRow): StoredDeadLetter {
  const decoded = decodeHeaders(row.headers);
  return {
    body: row.body,
    attributes: decoded.attributes,
    meta: { ...decoded.meta, id: letterId(row, decoded.meta.id) },
    ...(decoded.deadLetter ? { record: decoded.deadLetter } : {}),
    native: row,
  };
}

/**
 * The dead letters as the kit's redrive loop sees them. Nothing is held: `take` reads on past the
 * last letter it returned, and `publish` moves each letter (job inserted, letter deleted) in one
 * transaction only if the letter is still there, so two redrives at once move each letter once.
 */
class DeadLetterSource implements RedriveSource<SqlDeadLetterRow> {
  readonly #queue: QueueContext;
  readonly #store: SqlDeadLetterStore;
  readonly #select: ((row: SqlDeadLetterRow) => boolean) | undefined;
  #after = '0';

  constructor(queue: QueueContext, store: SqlDeadLetterStore, select?: (row: SqlDeadLetterRow) => boolean) {
    this.#queue = queue;
    this.#store = store;
    this.#select = select;
  }

  /** Reads on until some letter is chosen or none are left ([] means none left to the kit). */
  async take(max: number): Promise<readonly SqlDeadLetterRow[]> {
    for (;;) {
      const rows = await this.#store.read(this.#after, max);
      if (rows.length === 0) return [];
      this.#after = rows[rows.length - 1]!.seq;
      const chosen = this.#select === undefined ? rows : rows.filter(this.#select);
      if (chosen.length > 0) return chosen;
    }
  }

  jobId(letter: SqlDeadLetterRow): string {
    return letterId(letter, decodeHeaders(letter.headers).meta.id);
  }

  async publish(letters: readonly SqlDeadLetterRow[]): Promise<readonly SendOutcome[]> {
    const { executor, dialect } = this.#queue;
    await executor.transaction(async (tx) => {
      for (const letter of letters) {
        const gone = await tx.all(dialect.sql(DEAD_DELETE), [letter.seq]);
        if (gone.length === 0) continue; // another redrive moved it
        const decoded = decodeHeaders(letter.headers);
        const meta = redrivenMeta({ ...decoded.meta, id: this.jobId(letter) }, letter.failedAt);
        const params: unknown[] = [
          letter.queue,
          meta.id,
          letter.body,
          storedHeaders(meta, decoded.attributes),
          null,
          meta.orderingKey ?? null,
          meta.dedupId ?? null,
          meta.enqueuedAt,
          0,
        ];
        if (params.length !== INSERT_ROW_PARAMS) throw new Error('insert row shape changed');
        await tx.all(dialect.sql(insertJobs(1)), params);
      }
      await this.#queue.notify(tx);
    });
    return letters.map(() => ({ ok: true }));
  }

  /** Later copies of a job moved in this call. */
  async remove(letters: readonly SqlDeadLetterRow[]): Promise<void> {
    for (const letter of letters) await this.#queue.run(DEAD_DELETE, [letter.seq]);
  }

  /** Nothing is held. */
  async handBack(): Promise<void> {}
}
