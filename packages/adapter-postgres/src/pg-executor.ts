import { ErrorBackoff, systemClock } from '@polyqueue/core/driver';
import type { PgPool } from './pg-pool.js';
import { quoteIdentifier } from './postgres-dialect.js';
import type { Row, SqlExecutor, SqlRunner } from './sql-executor.js';

/**
 * The SQL executor on a node-postgres `Pool` (or anything shaped like it: `PgPool`). Statements run on any pooled connection;
 * transactions on one checked out for them. Wake-ups: `pg_notify` in the writing transaction
 * (PostgreSQL delivers it on commit, never for a rollback) and a LISTEN on one pooled connection,
 * held while a receiver is open; a lost LISTEN connection is reported (`connection`) and re-opened
 * after the kit's error backoff, and every receiver is woken then (a notification sent meanwhile
 * was missed).
 */
export class PgExecutor implements SqlExecutor {
  readonly #pool: PgPool;
  readonly #owned: boolean;
  readonly #channel: string;
  readonly #listeners = new Set<(queue: string) => void>();
  readonly #errorListeners: ((error: unknown) => void)[] = [];
  readonly #backoff = new ErrorBackoff(systemClock);
  /** The LISTEN loop running now (while anyone listens), and every loop not yet ended. */
  #loop: AbortController | undefined;
  readonly #loops = new Set<Promise<void>>();
  #closed = false;

  constructor(pool: PgPool, options: { readonly owned: boolean; readonly channel: string }) {
    this.#pool = pool;
    this.#owned = options.owned;
    this.#channel = options.channel;
    // An idle pooled connection that dies emits on the pool; unhandled, it would crash the process.
    if (options.owned) pool.on('error', (error) => this.#report(error));
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.#pool.query(sql, params as unknown[]);
    return result.rows as Row[];
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken = false;
    // The pool listens for errors only on idle clients: a connection lost while checked out here,
    // between two queries, emits 'error' on the client, and unheard that crashes the process. The
    // failing query reports the loss to the caller; this only marks the connection for dropping.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const tx: SqlRunner = {
        all: async (sql, params = []) => (await client.query(sql, params as unknown[])).rows as Row[],
      };
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection died under us: the server rolls back; drop the connection
      }
      throw error;
    } finally {
      // A dropped connection may still emit, so it keeps the listener; a healthy one goes back clean.
      if (!broken) client.removeListener('error', onError);
      client.release(broken);
    }
  }

  async notify(queue: string, tx?: SqlRunner): Promise<void> {
    await (tx ?? this).all('SELECT pg_notify($1, $2)', [this.#channel, queue]);
  }

  /** The LISTEN connection is held while at least one listener (an open receiver) is here. */
  listen(listener: (queue: string) => void): () => void {
    this.#listeners.add(listener);
    if (this.#loop === undefined && !this.#closed) {
      const loop = new AbortController();
      this.#loop = loop;
      const done = this.#listenLoop(loop.signal);
      this.#loops.add(done);
      void done.finally(() => this.#loops.delete(done));
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stopListening();
    };
  }

  onError(listener: (error: unknown) => void): void {
    this.#errorListeners.push(listener);
  }

  native(): PgPool {
    return this.#pool;
  }

  async close(mode: 'graceful' | 'abandon'): Promise<void> {
    this.#closed = true;
    this.#stopListening();
    await Promise.all(this.#loops);
    // The application's pool stays the application's.
    if (this.#owned) await (mode === 'graceful' ? this.#pool.end() : endAbruptly(this.#pool));
  }

  #stopListening(): void {
    this.#loop?.abort();
    this.#loop = undefined;
  }

  /** Holds one LISTEN connection until `signal` aborts; re-opens it after a loss. */
  async #listenLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#listenOnce(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.#report(error);
        await this.#backoff.wait(signal);
      }
      // Whatever was notified while no connection listened is found by a fetch.
      for (const listener of this.#listeners) listener('');
    }
  }

  /** Resolves when the connection ends at close; rejects when it is lost. */
  async #listenOnce(signal: AbortSignal): Promise<void> {
    const client = await this.#pool.connect();
    // A dropped client may still emit: with no listener, an 'error' event would crash the process.
    client.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (error?: unknown) => {
        if (done) return;
        done = true;
        client.removeListener('notification', onNotification);
        signal.removeEventListener('abort', onAbort);
        client.release(true); // never back to the pool: it is LISTENing
        if (error === undefined || signal.aborted) resolve();
        else reject(error);
      };
      const onAbort = () => finish();
      const onNotification = (message: { payload?: string | undefined }) => {
        for (const listener of this.#listeners) listener(message.payload ?? '');
      };
      client.on('notification', onNotification);
      client.once('error', (error) => finish(error));
      client.once('end', () => finish(new Error('The LISTEN connection to PostgreSQL ended')));
      if (signal.aborted) return finish();
      signal.addEventListener('abort', onAbort, { once: true });
      client.query(`LISTEN ${quoteIdentifier(this.#channel)}`).then(() => this.#backoff.reset(), finish);
    });
  }

  #report(error: unknown): void {
    for (const listener of this.#errorListeners) listener(error);
  }
}

/** Abandon: as if the process died, connections dropped without waiting for anything. */
async function endAbruptly(pool: PgPool): Promise<void> {
  void pool.end().catch(() => {});
}
