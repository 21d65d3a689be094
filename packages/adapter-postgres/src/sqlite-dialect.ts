import { type Dialect, templateRenderer } from './dialect.js';

/**
 * SQLite: the tables live in the database file itself (one file, one polyqueue); the clock is
 * `unixepoch('subsec')` (SQLite 3.42+, bundled by better-sqlite3 12); the fetch needs no row
 * locking, since it runs inside `BEGIN IMMEDIATE` (one writer at a time on the file). Placeholders
 * `$1` become named `$p1`, which better-sqlite3 binds from an object, so that a parameter may be
 * used twice in a statement, as in PostgreSQL.
 */
export function sqliteDialect(): Dialect {
  return {
    name: 'sqlite',
    columnarInsert: false,
    sql: templateRenderer(
      {
        jobs: 'pq_jobs',
        dead_letters: 'pq_dead_letters',
        dedup: 'pq_dedup',
        queues: 'pq_queues',
        migrations: 'pq_migrations',
        now: `(CAST(unixepoch('subsec') * 1000 AS INTEGER))`,
        skip_locked: '',
        seq: 'INTEGER PRIMARY KEY AUTOINCREMENT',
        bytes: 'BLOB',
        json: 'TEXT',
      },
      (sql) => sql.replace(/\$(\d+)/g, '$$p$1'),
    ),
  };
}

/** The parameters of a rendered statement, as better-sqlite3 binds `$p1`, `$p2`...: `{ p1, p2 }`. */
export function namedParameters(values: readonly unknown[]): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  values.forEach((value, i) => {
    named[`p${i + 1}`] = value;
  });
  return named;
}
