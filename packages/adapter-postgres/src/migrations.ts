import type { Dialect } from './dialect.js';
import type { SqlExecutor } from './sql-executor.js';

/**
 * The schema, as versioned migrations a DBA can review (README "Schema"). Written once for both
 * dialects with the tokens of `dialect.ts`. Each migration runs once per schema (PostgreSQL) or
 * file (SQLite), in order, inside one write transaction: on PostgreSQL under a transaction-scoped
 * advisory lock, so two processes starting together never race on DDL; on SQLite under
 * `BEGIN IMMEDIATE`, which is already exclusive. A failed migration leaves nothing half-applied.
 *
 * Times are epoch milliseconds (bigint) taken from the database's clock, so that every worker
 * leases by one clock whatever the skew between their hosts.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'queues, jobs, dedup, dead letters',
    sql: [
      // Provisioned queues: sending to a queue not here fails (foreign key) with NotFound.
      `CREATE TABLE IF NOT EXISTS {queues} (
  name             text    NOT NULL PRIMARY KEY,
  dead_letter_name text    NOT NULL,
  lease_ms         bigint  NOT NULL,
  max_attempts     integer NOT NULL,
  created_at       bigint  NOT NULL DEFAULT {now}
)`,
      // One row per job. seq orders jobs (FIFO within run_at, and per ordering key). A fetch sets
      // lease_until and a fresh lease_token; every settlement names the token it got, so a worker
      // whose lease expired and was taken by another settles nothing (fencing).
      `CREATE TABLE IF NOT EXISTS {jobs} (
  seq            {seq},
  queue          text    NOT NULL REFERENCES {queues} (name) ON DELETE CASCADE,
  id             text,
  body           {bytes} NOT NULL,
  headers        {json}  NOT NULL DEFAULT '{}',
  run_at         bigint  NOT NULL DEFAULT {now},
  lease_until    bigint,
  lease_token    text,
  deliveries     integer NOT NULL DEFAULT 0,
  attempt_offset integer NOT NULL DEFAULT 0,
  ordering_key   text,
  dedup_id       text,
  enqueued_at    bigint  NOT NULL DEFAULT {now}
)`,
      // The fetch: ready jobs of a queue in (run_at, seq) order.
      `CREATE INDEX IF NOT EXISTS jobs_fetch ON {jobs} (queue, run_at, seq)`,
      // Leases running out: the next one a receiver must wake for.
      `CREATE INDEX IF NOT EXISTS jobs_lease ON {jobs} (queue, lease_until) WHERE lease_until IS NOT NULL`,
      // Ordering: is there an earlier job of this key?
      `CREATE INDEX IF NOT EXISTS jobs_ordering ON {jobs} (queue, ordering_key, seq) WHERE ordering_key IS NOT NULL`,
      // Dedup ids remembered for the window, whether or not their job is still there; expired rows
      // are deleted by the next send of the queue that carries a dedup id.
      `CREATE TABLE IF NOT EXISTS {dedup} (
  queue      text   NOT NULL REFERENCES {queues} (name) ON DELETE CASCADE,
  dedup_id   text   NOT NULL,
  job_id     text   NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (queue, dedup_id)
)`,
      `CREATE INDEX IF NOT EXISTS dedup_expiry ON {dedup} (queue, expires_at)`,
      // Dead letters of a queue (queue = the source queue), with the error record in columns a
      // DBA can query and in the wire headers the driver reads.
      `CREATE TABLE IF NOT EXISTS {dead_letters} (
  seq           {seq},
  queue         text    NOT NULL REFERENCES {queues} (name) ON DELETE CASCADE,
  id            text,
  body          {bytes} NOT NULL,
  headers       {json}  NOT NULL DEFAULT '{}',
  reason        text,
  error_name    text,
  error_message text,
  error_stack   text,
  attempts      integer,
  failed_at     bigint  NOT NULL DEFAULT {now}
)`,
      `CREATE INDEX IF NOT EXISTS dead_letters_peek ON {dead_letters} (queue, seq)`,
    ],
  },
];

/**
 * Brings the schema up to the newest migration. Idempotent; safe from several processes at once.
 * Returns the versions it applied (empty when the schema was already current).
 */
export async function migrate(
  executor: SqlExecutor,
  dialect: Dialect,
  options: { readonly lock?: readonly string[] } = {},
): Promise<number[]> {
  return executor.transaction(async (tx) => {
    for (const statement of options.lock ?? []) await tx.all(statement);
    await tx.all(
      dialect.sql(
        `CREATE TABLE IF NOT EXISTS {migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL DEFAULT {now})`,
      ),
    );
    const rows = await tx.all(dialect.sql('SELECT coalesce(max(version), 0) AS v FROM {migrations}'));
    const current = Number(rows[0]?.v ?? 0);
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      for (const statement of migration.sql) await tx.all(dialect.sql(statement));
      await tx.all(dialect.sql('INSERT INTO {migrations} (version, name) VALUES ($1, $2)'), [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}

/**
 * What runs first in the migration transaction on PostgreSQL: the schema's advisory lock (a key per
 * schema name, so migrations of different schemas do not wait for each other), then the schema.
 */
export function postgresMigrationLock(schema: string, quotedSchema: string): string[] {
  const literal = `'${`polyqueue-migrate:${schema}`.replaceAll("'", "''")}'`;
  return [
    `SELECT pg_advisory_xact_lock(hashtext(${literal}))`,
    `CREATE SCHEMA IF NOT EXISTS ${quotedSchema}`,
  ];
}
