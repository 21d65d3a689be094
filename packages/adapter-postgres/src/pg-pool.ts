/**
 * The part of node-postgres's `Pool` the driver uses, as a structural type: a `pg.Pool` fits it,
 * and the package's declarations need no `pg` types, so an application on SQLite alone type-checks
 * without installing `pg` (an optional peer).
 */
export interface PgPool {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  connect(): Promise<PgPoolClient>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  end(): Promise<void>;
}

/** A connection checked out of the pool (a LISTEN, a transaction). */
export interface PgPoolClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /** `true` destroys the connection rather than returning it to the pool. */
  release(destroy?: boolean): void;
  on(event: 'notification', listener: (message: { payload?: string | undefined }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'end', listener: () => void): unknown;
  removeListener(
    event: 'notification',
    listener: (message: { payload?: string | undefined }) => void,
  ): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}
