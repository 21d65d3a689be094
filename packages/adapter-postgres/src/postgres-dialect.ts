import { type Dialect, templateRenderer } from './dialect.js';

/** Double-quotes an identifier for SQL (PostgreSQL rules: "" inside). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * PostgreSQL: every table in the configured schema; the clock is `clock_timestamp()` (the time of
 * the statement, not of its transaction's start, so a long transaction cannot lease with a stale
 * "now"); the fetch locks its rows with `FOR UPDATE SKIP LOCKED`, so concurrent fetches take
 * different jobs without waiting for each other.
 */
export function postgresDialect(schema: string): Dialect {
  const s = quoteIdentifier(schema);
  return {
    name: 'postgres',
    columnarInsert: true,
    sql: templateRenderer({
      jobs: `${s}.jobs`,
      dead_letters: `${s}.dead_letters`,
      dedup: `${s}.dedup`,
      queues: `${s}.queues`,
      migrations: `${s}.migrations`,
      now: `(floor(extract(epoch from clock_timestamp()) * 1000)::bigint)`,
      skip_locked: 'FOR UPDATE SKIP LOCKED',
      seq: 'bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
      bytes: 'bytea',
      json: 'jsonb',
    }),
  };
}

/**
 * The channel of a schema's wake-ups (NOTIFY on send and on settlements that make a job
 * fetchable sooner): one per schema, so two schemas in one database do not wake each other.
 * Channel names are identifiers of at most 63 bytes: a long schema name is cut (a shared channel
 * only costs spurious wake-ups, never a lost one).
 */
export function notifyChannel(schema: string): string {
  return `polyqueue:${schema}`.slice(0, 63);
}
