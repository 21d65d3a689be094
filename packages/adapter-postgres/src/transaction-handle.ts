import { ValidationError } from '@polyqueue/core';
import type { Database, Statement } from 'better-sqlite3';
import type { Row, SqlRunner } from './sql-executor.js';
import { namedParameters } from './sqlite-dialect.js';
import { toSqliteValue } from './sqlite-executor.js';

/**
 * The transaction handles `send(payload, { transaction })` takes (README "Transactional
 * enqueue"), recognized by shape so that neither `pg` nor `better-sqlite3` is imported here:
 * - PostgreSQL: a node-postgres `Client` or `PoolClient` (anything with `query(text, values)`)
 *   the application has sent `BEGIN` on; a `Pool` is refused, since each of its queries may run
 *   on another connection, outside the transaction;
 * - SQLite: a better-sqlite3 `Database` inside a transaction;
 * - either: a bridged handle (`fromKysely`, `fromDrizzle` in `orm-bridges.ts`).
 * The driver runs its send statements through the handle and nothing else: no BEGIN, COMMIT or
 * ROLLBACK of its own; the caller's commit makes the jobs visible.
 */

/** A query function on the application's transaction, as an ORM bridge builds it. */
export type TransactionQuery = (sql: string, params: readonly unknown[]) => Promise<readonly Row[]>;

const BRIDGED = Symbol('polyqueue.transaction');

/** A handle made by an ORM bridge: the dialect it speaks and how to run a statement in it. */
export interface BridgedTransaction {
  readonly [BRIDGED]: { readonly dialect: 'postgres' | 'sqlite'; readonly query: TransactionQuery };
}

export function bridgedTransaction(
  dialect: 'postgres' | 'sqlite',
  query: TransactionQuery,
): BridgedTransaction {
  return Object.freeze({ [BRIDGED]: { dialect, query } });
}

/**
 * A runner over the application's transaction for the driver of `dialect`, or a ValidationError.
 * `own` is the driver's own connection: on SQLite its workers run statements on it whenever this
 * process awaits, so it cannot hold the application's transaction across an `await`.
 */
export function transactionRunner(handle: unknown, dialect: 'postgres' | 'sqlite', own: unknown): SqlRunner {
  if (isObject(handle) && BRIDGED in handle) {
    const bridged = (handle as unknown as BridgedTransaction)[BRIDGED];
    if (bridged.dialect !== dialect) throw wrongDialect(dialect, `a ${bridged.dialect} bridge`);
    return { all: async (sql, params = []) => [...(await bridged.query(sql, params))] };
  }
  if (isSqliteDatabase(handle)) {
    if (dialect !== 'sqlite') throw wrongDialect(dialect, 'a better-sqlite3 Database');
    if (handle === own)
      throw new ValidationError(
        "The broker's own Database (broker.native()) cannot carry a transaction across an await: its workers use it meanwhile. Open a Database of your own on the file, or call queue.sendSync inside db.transaction(fn)",
      );
    // Anything awaited after `db.transaction(fn)` returned runs after its commit: refuse loudly
    // rather than write the job outside the transaction it was meant for.
    if (!handle.inTransaction)
      throw new ValidationError(
        'The better-sqlite3 Database is not inside a transaction: inside db.transaction(fn), call queue.sendSync(payload, { transaction: db }); `await send` there runs after fn returned and committed',
      );
    const runner = sqliteSyncRunner(handle);
    return { all: async (sql, params = []) => runner(sql, params) };
  }
  if (isPgPool(handle))
    throw new ValidationError(
      'A pg Pool is not a transaction: each of its queries may run on another connection. Check out a client (await pool.connect()), BEGIN on it, send with { transaction: client }, then COMMIT and release it',
    );
  if (isPgClient(handle)) {
    if (dialect !== 'postgres') throw wrongDialect(dialect, 'a node-postgres client');
    return { all: async (sql, params = []) => (await handle.query(sql, [...params])).rows };
  }
  throw new ValidationError(
    `options.transaction is not a transaction handle the ${dialect} driver understands: give ${
      dialect === 'postgres'
        ? 'a node-postgres Client or PoolClient inside a transaction, or a bridge (fromKysely, fromDrizzle)'
        : 'a better-sqlite3 Database inside a transaction'
    }`,
  );
}

/** The synchronous runner `sendSync` writes through: a better-sqlite3 Database in a transaction. */
export function sqliteTransactionRunner(handle: unknown): (sql: string, params: readonly unknown[]) => Row[] {
  if (!isSqliteDatabase(handle))
    throw new ValidationError(
      'sendSync takes a better-sqlite3 Database inside db.transaction(fn) as options.transaction; other handles are awaited: await queue.send(payload, { transaction })',
    );
  if (!handle.inTransaction)
    throw new ValidationError(
      'The better-sqlite3 Database is not inside a transaction: call sendSync inside db.transaction(fn)',
    );
  return sqliteSyncRunner(handle);
}

/** Statements prepared once per application Database (as the executor does for its own). */
const PREPARED = new WeakMap<Database, Map<string, Statement>>();

function sqliteSyncRunner(db: Database): (sql: string, params: readonly unknown[]) => Row[] {
  let statements = PREPARED.get(db);
  if (statements === undefined) {
    statements = new Map();
    PREPARED.set(db, statements);
  }
  const cache = statements;
  return (sql, params) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    const bound = params.length === 0 ? [] : [namedParameters(params.map(toSqliteValue))];
    if (statement.reader) return statement.all(...bound) as Row[];
    statement.run(...bound);
    return [];
  };
}

function wrongDialect(dialect: string, given: string): ValidationError {
  return new ValidationError(`options.transaction is ${given}, but this queue's broker is ${dialect}`);
}

function isObject(value: unknown): value is Record<PropertyKey, unknown> {
  return typeof value === 'object' && value !== null;
}

function isSqliteDatabase(value: unknown): value is Database {
  return isObject(value) && typeof value.prepare === 'function' && typeof value.inTransaction === 'boolean';
}

/** pg's Pool has the counters a client lacks. */
function isPgPool(value: unknown): boolean {
  return (
    isObject(value) && typeof value.query === 'function' && 'totalCount' in value && 'idleCount' in value
  );
}

interface PgQueryable {
  query(text: string, values: unknown[]): Promise<{ rows: Row[] }>;
}

function isPgClient(value: unknown): value is PgQueryable {
  return isObject(value) && typeof value.query === 'function';
}
