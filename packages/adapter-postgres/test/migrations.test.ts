import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, quoteIdentifier, type SqlClient } from '../src/migrations.js';

/** Records statements; answers the version query from what this fake "database" has applied. */
function fakeClient(options: { failOn?: string } = {}) {
  const statements: string[] = [];
  let committed = 0;
  let pending = 0;
  const client: SqlClient = {
    async query(text) {
      statements.push(text);
      if (options.failOn !== undefined && text.includes(options.failOn)) throw new Error('boom');
      if (text.startsWith('SELECT coalesce(max(version)')) return { rows: [{ v: committed }] };
      if (text.startsWith('INSERT INTO')) pending += 1;
      if (text === 'COMMIT') committed += pending;
      if (text === 'BEGIN' || text === 'ROLLBACK') pending = 0;
      return { rows: [] };
    },
  };
  return { client, statements };
}

describe('migrate', () => {
  it('applies every migration once, under the advisory lock, in one transaction', async () => {
    const { client, statements } = fakeClient();
    expect(await migrate(client, 'jobs_schema')).toEqual(MIGRATIONS.map((m) => m.version));
    expect(statements[0]).toBe('BEGIN');
    expect(statements[1]).toContain('pg_advisory_xact_lock');
    expect(statements.at(-1)).toBe('COMMIT');
    expect(statements.some((s) => s.includes('CREATE TABLE IF NOT EXISTS "jobs_schema".jobs'))).toBe(true);
  });

  it('applies nothing the second time', async () => {
    const { client } = fakeClient();
    await migrate(client, 's');
    expect(await migrate(client, 's')).toEqual([]);
  });

  it('rolls back and rejects when a migration fails', async () => {
    const { client, statements } = fakeClient({ failOn: 'dead_letters' });
    await expect(migrate(client, 's')).rejects.toThrow('boom');
    expect(statements.at(-1)).toBe('ROLLBACK');
  });

  it('quotes the schema name', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });
});
