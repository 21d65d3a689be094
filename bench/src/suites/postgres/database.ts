import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import pg from 'pg';

/**
 * The PostgreSQL every subject of the postgres suite uses: the shared local server, database
 * `test` (trust auth). Each subject gets a schema of its own, dropped when its case ends.
 */
export const POSTGRES = {
  host: '127.0.0.1',
  port: 5432,
  database: 'test',
  user: process.env.PGUSER ?? userInfo().username,
} as const;

export const POSTGRES_URL = `postgres://${POSTGRES.host}:${POSTGRES.port}/${POSTGRES.database}`;

/** The same, as a connection string with the user: pg-boss and graphile-worker take one. */
export const CONNECTION_STRING = `postgres://${encodeURIComponent(POSTGRES.user)}@${POSTGRES.host}:${POSTGRES.port}/${POSTGRES.database}`;

/**
 * How long an idle worker of every subject sleeps before it looks again: pg-boss's minimum
 * (it accepts no `pollingIntervalSeconds` under 0.5), given to the other two for equal settings.
 */
export const IDLE_POLL_MS = 500;

/** Every schema this suite makes starts with this: `dropSchema` refuses any other name. */
const PREFIX = 'pq_bench_';

/** A schema name no other run uses, e.g. `pq_bench_pgboss_3fa9c1`. */
export function benchSchema(subject: string): string {
  return `${PREFIX}${subject}_${randomBytes(3).toString('hex')}`;
}

/** A small pool for setup, counts and clean-up: never on a measured path. */
export function adminPool(): pg.Pool {
  const pool = new pg.Pool({ ...POSTGRES, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined); // an idle client's error: each query reports its own
  return pool;
}

export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  if (!new RegExp(`^${PREFIX}[a-z0-9_]+$`).test(schema)) throw new Error(`refusing to drop schema ${schema}`);
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** Runs `use` with a fresh schema that is dropped afterwards, whether `use` succeeded or not. */
export async function withSchema<T>(subject: string, use: (schema: string) => Promise<T>): Promise<T> {
  const schema = benchSchema(subject);
  const pool = adminPool();
  try {
    return await use(schema);
  } finally {
    await dropSchema(pool, schema).finally(() => pool.end());
  }
}

/** Why the suite cannot run (no PostgreSQL), or undefined. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const pool = adminPool();
  try {
    await pool.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL is not reachable at ${POSTGRES_URL} (${String(error)}): start it with pg_ctlcluster 15 main start`;
  } finally {
    await pool.end();
  }
}

/** Rows still in `table`: the drain guard of the peers' cases. */
export async function rowCount(schema: string, table: string, where = 'true'): Promise<number> {
  const pool = adminPool();
  try {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}"."${table}" WHERE ${where}`,
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await pool.end();
  }
}

/**
 * Waits, for at most a few seconds, until `remaining()` is 0: the guard that a peer's case neither
 * lost nor kept jobs. A peer may settle after its handler returned (pg-boss completes without
 * awaiting), so the count can lag the last handler briefly.
 */
export async function expectDrained(label: string, remaining: () => Promise<number>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const left = await remaining();
    if (left === 0) return;
    if (Date.now() >= deadline) throw new Error(`bench: ${label} not drained: ${left} jobs left`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
