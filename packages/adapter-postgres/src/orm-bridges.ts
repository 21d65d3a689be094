import type { Row } from './sql-executor.js';
import { type BridgedTransaction, bridgedTransaction } from './transaction-handle.js';

/**
 * Thin bridges from an ORM's transaction to a handle `send(payload, { transaction })` takes, on
 * PostgreSQL. Each takes the ORM's own public raw-SQL builder as its second argument, so this
 * package imports neither ORM nor depends on its internals: the statements go through the ORM's
 * transaction, on its connection, exactly as the application's own raw queries would.
 * (On SQLite, give the better-sqlite3 Database itself: README "Transactional enqueue".)
 */

/** What the bridge needs of a Kysely `Transaction` (or `Kysely`) on its PostgresDialect. */
export interface KyselyExecutor {
  executeQuery(query: never): Promise<{ readonly rows: readonly unknown[] }>;
}

/** Kysely's `CompiledQuery` (exported by kysely): its `raw(sql, parameters)`. */
export interface KyselyCompiledQuery {
  raw(sql: string, parameters?: unknown[]): unknown;
}

/**
 * `db.transaction().execute(async (trx) => { ...; await queue.send(p, { transaction: fromKysely(trx, CompiledQuery) }) })`.
 * The statements are PostgreSQL text with `$1` placeholders, which Kysely's PostgresDialect hands
 * to pg as they are.
 */
export function fromKysely(trx: KyselyExecutor, compiledQuery: KyselyCompiledQuery): BridgedTransaction {
  return bridgedTransaction('postgres', async (sql, params) => {
    const result = await trx.executeQuery(compiledQuery.raw(sql, [...params]) as never);
    return result.rows as Row[];
  });
}

/** What the bridge needs of a Drizzle transaction on node-postgres (`drizzle-orm/node-postgres`). */
export interface DrizzleExecutor {
  execute(query: never): PromiseLike<{ readonly rows: readonly unknown[] }>;
}

/** Drizzle's `sql` tag (exported by drizzle-orm): its `raw`, `param` and `join`. */
export interface DrizzleSql {
  raw(text: string): unknown;
  param(value: unknown): unknown;
  join(chunks: never[]): unknown;
}

/**
 * `db.transaction(async (tx) => { ...; await queue.send(p, { transaction: fromDrizzle(tx, sql) }) })`.
 * Drizzle numbers its own placeholders: each `$n` of the statement becomes a `sql.param` chunk in
 * place (quoted identifiers, which may hold a `$`, are left whole).
 */
export function fromDrizzle(tx: DrizzleExecutor, sql: DrizzleSql): BridgedTransaction {
  return bridgedTransaction('postgres', async (text, params) => {
    const chunks: unknown[] = [];
    let last = 0;
    for (const match of text.matchAll(PLACEHOLDER_OR_QUOTED)) {
      if (match[1] === undefined) continue; // a quoted identifier
      chunks.push(sql.raw(text.slice(last, match.index)), sql.param(params[Number(match[1]) - 1]));
      last = match.index + match[0].length;
    }
    chunks.push(sql.raw(text.slice(last)));
    const result = await tx.execute(sql.join(chunks as never[]) as never);
    return result.rows as Row[];
  });
}

const PLACEHOLDER_OR_QUOTED = /"(?:[^"]|"")*"|\$(\d+)/g;
