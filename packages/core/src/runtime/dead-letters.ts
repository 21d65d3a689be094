import type { DeadLetterStore, StoredDeadLetter } from '../driver/dead-letter-store.js';
import type { DeadLetterReason, DeadLetterRecord } from '../wire/job-meta.js';
import type { QueueRuntime } from './queue-runtime.js';

/** A dead letter as the application sees it. */
export interface DeadLetter<T> {
  readonly id: string;
  /** The decoded payload, or undefined when the body could not be decoded (see `body`). */
  readonly payload: T | undefined;
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  /** Why and when it was dead-lettered. Absent when a native safety net moved it. */
  readonly record: DeadLetterRecord | undefined;
  readonly raw: unknown;
}

export interface RedriveOptions {
  /** At most this many (default: all that match). */
  readonly limit?: number;
  /** Only the dead letters of these job ids. */
  readonly ids?: readonly string[];
  /** Only the dead letters of this reason (`failed`, `unrecoverable`, `decode`, `validation`, `exhausted`). */
  readonly reason?: DeadLetterReason;
}

/** List, redrive and purge a queue's dead letters (rules Q1–Q3). */
export class DeadLetters<T> {
  readonly #rt: QueueRuntime<T>;

  /** @internal */
  constructor(rt: QueueRuntime<T>) {
    this.#rt = rt;
  }

  /** Returns up to `limit` dead letters without removing them. */
  async peek(limit = 100): Promise<DeadLetter<T>[]> {
    const stored = await this.#call('peek dead letters', (store) => store.peek(limit));
    return stored.map((letter) => this.#decode(letter));
  }

  /**
   * Moves `limit` dead letters (all when omitted) back to the queue, attempts reset. With `ids`
   * or `reason`, only the dead letters of those jobs and of that reason move (both given: both
   * must hold); the others stay where they are.
   */
  redrive(options: RedriveOptions = {}): Promise<number> {
    const { limit, ids, reason } = options;
    const wanted = ids === undefined ? undefined : new Set(ids);
    const select =
      wanted === undefined && reason === undefined
        ? undefined
        : (letter: StoredDeadLetter) =>
            (wanted === undefined || wanted.has(letter.meta.id)) &&
            (reason === undefined || letter.record?.reason === reason);
    const action = select === undefined ? 'redrive dead letters' : 'redrive chosen dead letters';
    return this.#call(action, (store) =>
      store.redrive({
        ...(limit !== undefined ? { limit } : {}),
        ...(select !== undefined ? { select } : {}),
      }),
    );
  }

  /** Deletes every dead letter; returns how many. */
  purge(): Promise<number> {
    return this.#call('purge dead letters', (store) => store.purge());
  }

  async #call<R>(action: string, run: (store: DeadLetterStore) => Promise<R>) {
    this.#rt.assertOpen(action);
    await this.#rt.ensureProvisioned();
    try {
      return await run(this.#rt.driver.deadLetters(this.#rt.topology));
    } catch (error) {
      throw this.#rt.wrapError(error, action);
    }
  }

  #decode(letter: StoredDeadLetter): DeadLetter<T> {
    let payload: T | undefined;
    try {
      payload = this.#rt.serializer.deserialize(letter.body) as T;
    } catch {
      payload = undefined;
    }
    return {
      id: letter.meta.id,
      payload,
      body: letter.body,
      attributes: letter.attributes,
      record: letter.record,
      raw: letter.native,
    };
  }
}
