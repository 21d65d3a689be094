import type { AdapterModule } from '@polyqueue/core/driver';
import type { Database } from 'better-sqlite3';
import { migrate, postgresMigrationLock } from './migrations.js';
import { PgExecutor } from './pg-executor.js';
import type { PgPool } from './pg-pool.js';
import { notifyChannel, postgresDialect, quoteIdentifier } from './postgres-dialect.js';
import { SqlDriver } from './sql-driver.js';
import { sqlErrorCode } from './sql-errors.js';
import {
  DEFAULT_SCHEMA,
  DEFAULT_SETTINGS,
  postgresFromUrl,
  SQLITE_DEFAULT_POLL_MS,
  type SqlSettings,
  sqliteFromUrl,
  URL_PARAMETERS,
} from './sql-options.js';
import { sqliteDialect } from './sqlite-dialect.js';
import { SqliteExecutor } from './sqlite-executor.js';

export type { Dialect } from './dialect.js';
export type { SqlJobRow } from './job-rows.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export {
  type DrizzleExecutor,
  type DrizzleSql,
  fromDrizzle,
  fromKysely,
  type KyselyCompiledQuery,
  type KyselyExecutor,
} from './orm-bridges.js';
export type { PgPool, PgPoolClient } from './pg-pool.js';
export type { SqlDeadLetterRow } from './sql-dead-letters.js';
export { SqlDriver } from './sql-driver.js';
export type { Row, SqlExecutor, SqlRunner } from './sql-executor.js';
export { DEFAULT_SCHEMA, DEFAULT_SETTINGS, type SqlSettings } from './sql-options.js';
export type { BridgedTransaction, TransactionQuery } from './transaction-handle.js';

/**
 * A PostgreSQL driver on a `pg.Pool` the application already has. It stays the application's:
 * closing the broker leaves it open. The schema (default `polyqueue`) is migrated on first use.
 * `connect({ driver: createPostgresDriver({ pool }) })`.
 */
export function createPostgresDriver(options: {
  readonly pool: PgPool;
  readonly schema?: string;
  readonly settings?: Partial<SqlSettings>;
}): SqlDriver {
  return postgresDriver(options.pool, false, options.schema ?? DEFAULT_SCHEMA, {
    ...DEFAULT_SETTINGS,
    ...options.settings,
  });
}

/** A SQLite driver on a file (`path`), shared with every other driver of this process on it. */
export async function createSqliteDriver(options: {
  readonly path: string;
  readonly settings?: Partial<SqlSettings>;
}): Promise<SqlDriver> {
  const settings = { ...DEFAULT_SETTINGS, pollMs: SQLITE_DEFAULT_POLL_MS, ...options.settings };
  return sqliteDriver(options.path, settings);
}

function postgresDriver(pool: PgPool, owned: boolean, schema: string, settings: SqlSettings): SqlDriver {
  const dialect = postgresDialect(schema);
  const executor = new PgExecutor(pool, { owned, channel: notifyChannel(schema) });
  const lock = postgresMigrationLock(schema, quoteIdentifier(schema));
  return new SqlDriver({ executor, dialect, settings, migrate: () => migrate(executor, dialect, { lock }) });
}

async function sqliteDriver(path: string, settings: SqlSettings): Promise<SqlDriver> {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const dialect = sqliteDialect();
  const executor = new SqliteExecutor(path, (file) => new BetterSqlite3(file) as Database);
  return new SqlDriver({ executor, dialect, settings, migrate: () => migrate(executor, dialect) });
}

/** Client-side bound on any statement of a pool the driver makes (node-postgres `query_timeout`). */
const QUERY_TIMEOUT_MS = 30_000;

/**
 * `postgres://user:password@host:5432/database?schema=polyqueue` (also `postgresql://`), and
 * `sqlite://path/to/jobs.db`. See README "URL".
 */
export const adapter: AdapterModule = {
  schemes: ['postgres', 'postgresql', 'sqlite'],
  parameters: URL_PARAMETERS,
  errorCode: sqlErrorCode,
  async createDriver({ url, params, redacted }) {
    let driver: SqlDriver;
    if (url.protocol === 'sqlite:') {
      const { settings, path } = sqliteFromUrl(url, params, redacted);
      driver = await sqliteDriver(path, settings);
    } else {
      const { settings, schema, connection } = postgresFromUrl(url, params, redacted);
      const pg = await import('pg');
      const pool = new pg.default.Pool({
        ...connection,
        // Every wait bounded: a statement gets no reply within this, it fails (DeadlineExceeded).
        query_timeout: QUERY_TIMEOUT_MS,
        // A LISTEN connection is idle for long: keepalives find a dead peer.
        keepAlive: true,
      });
      driver = postgresDriver(pool, true, schema, settings);
    }
    try {
      await driver.ready(); // an unreachable database fails connect(), loudly
    } catch (error) {
      await driver.close('abandon');
      throw error;
    }
    return driver;
  },
};
