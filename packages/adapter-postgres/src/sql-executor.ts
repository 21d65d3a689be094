/** One row as the database returns it: bigints may come as strings (pg), blobs as Buffers. */
export type Row = Readonly<Record<string, unknown>>;

/**
 * The narrow interface between the driver and a database client: rendered SQL in, rows out. Unit
 * tests put a fake behind it; `pg-executor.ts` and `sqlite-executor.ts` implement it.
 */
export interface SqlRunner {
  /** Runs one statement (already rendered by the dialect) and resolves with its rows. */
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface SqlExecutor extends SqlRunner {
  /**
   * Runs `work` in one write transaction on one connection (PostgreSQL `BEGIN`, SQLite
   * `BEGIN IMMEDIATE`), committed when it resolves, rolled back when it rejects. `work` awaits
   * nothing but the runner it is given: on SQLite the transaction holds the file's write lock.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Wakes receivers of `queue` once the transaction `tx` commits (or at once without one): in this
   * process, and on PostgreSQL in every process listening (NOTIFY, delivered on commit).
   */
  notify(queue: string, tx?: SqlRunner): Promise<void>;
  /** Starts delivering wake-ups to `listener` (queue name); returns the function that stops it. */
  listen(listener: (queue: string) => void): () => void;
  /** Errors of the connection itself, no caller awaiting (a lost LISTEN connection). */
  onError(listener: (error: unknown) => void): void;
  /** The native client (pg `Pool`, better-sqlite3 `Database`). */
  native(): unknown;
  close(mode: 'graceful' | 'abandon'): Promise<void>;
}

/** A bigint column as a JS number (pg returns int8 as a string; every value here is below 2^53). */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** A json/jsonb column: pg parses jsonb, SQLite returns the text. */
export function toJson(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {}; // a foreign producer's damaged headers read as none (the wire decoders never throw)
    }
  }
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** A bytea / BLOB column (both drivers return a Buffer); a foreign row's text body as its UTF-8 bytes. */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return new Uint8Array(0);
}
