import { resolve } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import type { Row, SqlExecutor, SqlRunner } from './sql-executor.js';
import { namedParameters } from './sqlite-dialect.js';

/** How long a statement waits for another process's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * One open file, shared by every driver of this process on it. better-sqlite3 is synchronous: two
 * connections of one process on one file would wait for each other's lock inside a synchronous
 * call, blocking the very event loop that would release it. One connection per file and process,
 * with one queue of work (a mutex), avoids it; processes share the file through WAL and
 * `BEGIN IMMEDIATE`, waiting up to the busy timeout for each other.
 */
interface SharedFile {
  readonly db: Database;
  readonly statements: Map<string, Statement>;
  readonly listeners: Set<(queue: string) => void>;
  /** The tail of the work queue: each statement or transaction runs after the one before. */
  tail: Promise<unknown>;
  users: number;
}

const OPEN_FILES = new Map<string, SharedFile>();

export type OpenDatabase = (path: string) => Database;

/**
 * The SQL executor on a better-sqlite3 `Database`. Statements are prepared once per file and kept.
 * Wake-ups stay in the process (SQLite has no LISTEN): a commit wakes this process's receivers of
 * the queue at once; other processes find the job by their bounded poll (README "Characteristics").
 */
export class SqliteExecutor implements SqlExecutor {
  readonly #file: SharedFile;
  readonly #key: string;
  #closed = false;

  constructor(path: string, open: OpenDatabase) {
    this.#key = path === ':memory:' ? `:memory:${Math.random()}` : resolve(path);
    let file = OPEN_FILES.get(this.#key);
    if (file === undefined) {
      const db = open(path);
      db.pragma('journal_mode = WAL');
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma('foreign_keys = ON');
      // WAL + NORMAL: a commit is durable once the WAL is synced at checkpoint; a power loss can
      // lose the last commits, never corrupt the file (https://www.sqlite.org/wal.html).
      db.pragma('synchronous = NORMAL');
      file = { db, statements: new Map(), listeners: new Set(), tail: Promise.resolve(), users: 0 };
      OPEN_FILES.set(this.#key, file);
    }
    file.users += 1;
    this.#file = file;
  }

  /**
   * A statement on its own. One that writes (a fetch, a settlement) runs in `BEGIN IMMEDIATE`: it
   * takes the file's write lock before it reads, waiting for other processes up to the busy
   * timeout, rather than reading first and failing to upgrade (SQLITE_BUSY) when another process
   * wrote in between.
   */
  all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.#serial(() => this.#run(sql, params, true));
  }

  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      const { db } = this.#file;
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work({ all: async (sql, params = []) => this.#run(sql, params) });
        db.exec('COMMIT');
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  /** After the current work (so after the transaction `tx` belongs to commits): wakes this process. */
  async notify(queue: string): Promise<void> {
    void this.#file.tail.then(() => {
      for (const listener of this.#file.listeners) listener(queue);
    });
  }

  listen(listener: (queue: string) => void): () => void {
    this.#file.listeners.add(listener);
    return () => {
      this.#file.listeners.delete(listener);
    };
  }

  /** A local file has no connection of its own to lose. */
  onError(): void {}

  native(): Database {
    return this.#file.db;
  }

  /** The file closes with its last user, after the work queued before. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const file = this.#file;
    file.users -= 1;
    if (file.users > 0) return;
    OPEN_FILES.delete(this.#key);
    await file.tail.catch(() => {});
    file.db.close();
  }

  #serial<T>(work: () => Promise<T> | T): Promise<T> {
    const file = this.#file;
    const result = file.tail.then(work, work);
    file.tail = result.catch(() => {});
    return result;
  }

  #run(sql: string, params: readonly unknown[], immediate = false): Row[] {
    const { db, statements } = this.#file;
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    const bound = params.length === 0 ? [] : [namedParameters(params.map(toSqliteValue))];
    const own = immediate && !statement.readonly && !db.inTransaction;
    if (own) db.exec('BEGIN IMMEDIATE');
    try {
      let rows: Row[] = [];
      if (statement.reader) rows = statement.all(...bound) as Row[];
      else statement.run(...bound);
      if (own) db.exec('COMMIT');
      return rows;
    } catch (error) {
      if (own && db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
}

/** better-sqlite3 binds numbers, bigints, strings, Buffers and null only. */
export function toSqliteValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Uint8Array && !Buffer.isBuffer(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}
