/**
 * The schema of the PostgreSQL dialect, as versioned migrations a DBA can review.
 * Each migration runs once per schema, in order, inside one transaction that holds a
 * transaction-scoped advisory lock: two processes starting together never race on DDL,
 * and a failed migration leaves nothing half-applied. Statements use IF NOT EXISTS so a
 * schema created by hand from this file is adopted, not rejected.
 */

/**
 * The smallest client the migrator needs: ONE connection (a pg Client or a PoolClient checked out of a
 * Pool, not the Pool itself: BEGIN and COMMIT must run on the same connection).
 */
export interface SqlClient {
  query(
    text: string,
    values?: readonly unknown[],
  ): Promise<{ readonly rows: readonly Record<string, unknown>[] }>;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** SQL with `{schema}` standing for the quoted schema name. */
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs, dead letters',
    sql: `
CREATE TABLE IF NOT EXISTS {schema}.jobs (
  id            text        NOT NULL,
  queue         text        NOT NULL,
  payload       bytea       NOT NULL,
  meta          jsonb       NOT NULL DEFAULT '{}',
  run_at        timestamptz NOT NULL DEFAULT now(),
  lease_until   timestamptz,
  deliveries    integer     NOT NULL DEFAULT 0,
  attempt       integer     NOT NULL DEFAULT 0,
  ordering_key  text,
  dedup_id      text,
  dedup_until   timestamptz,
  enqueued_at   timestamptz NOT NULL DEFAULT now(),
  seq           bigserial   NOT NULL,
  PRIMARY KEY (queue, id)
);
-- The fetch: ready jobs of a queue in order (run_at, seq), skipping leased ones.
CREATE INDEX IF NOT EXISTS jobs_fetch ON {schema}.jobs (queue, run_at, seq);
-- Dedup within the window: one live job per (queue, dedup_id); expired windows are cleared by the sender.
CREATE UNIQUE INDEX IF NOT EXISTS jobs_dedup ON {schema}.jobs (queue, dedup_id) WHERE dedup_id IS NOT NULL;
-- Ordering: the head of each key is found by (queue, ordering_key, seq).
CREATE INDEX IF NOT EXISTS jobs_ordering ON {schema}.jobs (queue, ordering_key, seq) WHERE ordering_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS {schema}.dead_letters (
  id             text        NOT NULL,
  queue          text        NOT NULL,
  source_queue   text        NOT NULL,
  payload        bytea       NOT NULL,
  meta           jsonb       NOT NULL DEFAULT '{}',
  error_name     text,
  error_message  text,
  error_stack    text,
  attempts       integer     NOT NULL,
  dead_at        timestamptz NOT NULL DEFAULT now(),
  seq            bigserial   NOT NULL,
  PRIMARY KEY (queue, seq)
);
CREATE INDEX IF NOT EXISTS dead_letters_peek ON {schema}.dead_letters (queue, seq);
`,
  },
];

/** Double-quotes an identifier for SQL (PostgreSQL rules: "" inside). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A fixed advisory-lock key per schema name, so migrations of different schemas do not wait for each other. */
const LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('polyqueue-migrate:' || $1))`;

/**
 * Brings `schema` up to the newest migration. Idempotent; safe from several processes at once.
 * Returns the versions it applied (empty when the schema was already current).
 */
export async function migrate(client: SqlClient, schema: string): Promise<number[]> {
  const quoted = quoteIdentifier(schema);
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query(LOCK_SQL, [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query(`SELECT coalesce(max(version), 0) AS v FROM ${quoted}.migrations`);
    const current = Number(rows[0]?.v ?? 0);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql.replaceAll('{schema}', quoted));
      await client.query(`INSERT INTO ${quoted}.migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
  return applied;
}
