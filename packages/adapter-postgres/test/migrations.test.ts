import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, postgresMigrationLock } from '../src/migrations.js';
import { postgresDialect, quoteIdentifier } from '../src/postgres-dialect.js';
import type { SqlExecutor, SqlRunner } from '../src/sql-executor.js';
import { sqliteDialect } from '../src/sqlite-dialect.js';

/** Records statements; answers the version query from what this fake "database" has committed. */
function fakeExecutor(options: { failOn?: string } = {}) {
  const statements: string[] = [];
  let committed = 0;
  const executor = {
    async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
      let pending = 0;
      statements.push('BEGIN');
      const tx: SqlRunner = {
        async all(text) {
          statements.push(text);
          if (options.failOn !== undefined && text.includes(options.failOn)) throw new Error('boom');
          if (text.includes('coalesce(max(version)')) return [{ v: committed }];
          if (text.startsWith('INSERT INTO')) pending += 1;
          return [];
        },
      };
      try {
        const result = await work(tx);
        committed += pending;
        statements.push('COMMIT');
        return result;
      } catch (error) {
        statements.push('ROLLBACK');
        throw error;
      }
    },
  } as unknown as SqlExecutor;
  return { executor, statements };
}

describe('migrate', () => {
  it('applies every migration once, under the advisory lock, in one transaction (PostgreSQL)', async () => {
    const { executor, statements } = fakeExecutor();
    const lock = postgresMigrationLock('jobs_schema', quoteIdentifier('jobs_schema'));
    expect(await migrate(executor, postgresDialect('jobs_schema'), { lock })).toEqual(
      MIGRATIONS.map((m) => m.version),
    );
    expect(statements[0]).toBe('BEGIN');
    expect(statements[1]).toContain('pg_advisory_xact_lock');
    expect(statements[2]).toBe('CREATE SCHEMA IF NOT EXISTS "jobs_schema"');
    expect(statements.at(-1)).toBe('COMMIT');
    expect(statements.some((s) => s.startsWith('CREATE TABLE IF NOT EXISTS "jobs_schema".jobs'))).toBe(true);
    expect(statements.some((s) => s.includes('bytea') && s.includes('jsonb'))).toBe(true);
  });

  it('renders the same schema for SQLite: its own types, no schema, no advisory lock', async () => {
    const { executor, statements } = fakeExecutor();
    await migrate(executor, sqliteDialect());
    expect(statements.some((s) => s.includes('pg_'))).toBe(false);
    const jobs = statements.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS pq_jobs'));
    expect(jobs).toContain('INTEGER PRIMARY KEY AUTOINCREMENT');
    expect(jobs).toContain('BLOB');
    expect(jobs).not.toMatch(/\{[a-z_]+\}/); // every token rendered
  });

  it('applies nothing the second time', async () => {
    const { executor } = fakeExecutor();
    await migrate(executor, sqliteDialect());
    expect(await migrate(executor, sqliteDialect())).toEqual([]);
  });

  it('rolls back and rejects when a migration fails', async () => {
    const { executor, statements } = fakeExecutor({ failOn: 'dead_letters' });
    await expect(migrate(executor, sqliteDialect())).rejects.toThrow('boom');
    expect(statements.at(-1)).toBe('ROLLBACK');
  });

  it('has a lease token (fencing) and a dedup table with expiry, not a dedup index on jobs', () => {
    const all = MIGRATIONS.flatMap((m) => m.sql).join('\n');
    expect(all).toContain('lease_token');
    expect(all).toMatch(/CREATE TABLE IF NOT EXISTS \{dedup\}[^;]*expires_at/);
    expect(all).not.toMatch(/UNIQUE INDEX[^\n]*\{jobs\}/);
  });

  it('quotes the schema name, and its lock key', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(postgresMigrationLock("o'k", '"o\'k"')[0]).toContain("'polyqueue-migrate:o''k'");
  });
});
