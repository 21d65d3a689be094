import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import pg from 'pg';

/** The PostgreSQL the suites run against (trust auth, database `test`); never dropped, only our schemas. */
export const POSTGRES_URL = 'postgres://127.0.0.1:5432/test';

/** A schema name no other run uses; every table of this run lives in it. */
export function runSchema(label: string): string {
  return `pqt_${label}_${randomBytes(3).toString('hex')}`;
}

/** A plain pool, as a native producer would open; fails loudly when PostgreSQL is absent. */
export async function rawPool(): Promise<pg.Pool> {
  const pool = new pg.Pool({
    host: '127.0.0.1',
    port: 5432,
    database: 'test',
    user: process.env.PGUSER ?? userInfo().username,
    max: 4,
    connectionTimeoutMillis: 5_000,
  });
  pool.on('error', () => undefined); // each query reports its own failure
  try {
    await pool.query('SELECT 1');
    return pool;
  } catch (error) {
    await pool.end();
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES_URL} (${String(error)}). Start it: ` +
        'pg_ctlcluster 15 main start (Debian postgresql, trust auth on 127.0.0.1, database "test")',
      { cause: error },
    );
  }
}

/** Drops this run's schema (only names made by `runSchema`). */
export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  if (!/^pqt_[a-z0-9_]+$/.test(schema)) throw new Error(`refusing to drop schema ${schema}`);
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
