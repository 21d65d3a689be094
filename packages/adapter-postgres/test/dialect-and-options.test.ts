import { ConfigError } from '@polyqueue/core';
import { describe, expect, it } from 'vitest';
import { postgresDialect } from '../src/postgres-dialect.js';
import { QueueMissingError } from '../src/sql-dead-letters.js';
import { sqlErrorCode } from '../src/sql-errors.js';
import { postgresFromUrl, sqliteFromUrl } from '../src/sql-options.js';
import { namedParameters, sqliteDialect } from '../src/sqlite-dialect.js';
import { ackJobs, FETCH } from '../src/statements.js';

describe('dialects', () => {
  it('PostgreSQL fetches with FOR UPDATE SKIP LOCKED on the schema tables, by the statement clock', () => {
    const sql = postgresDialect('my_schema').sql(FETCH);
    expect(sql).toContain('FOR UPDATE SKIP LOCKED');
    expect(sql).toContain('"my_schema".jobs');
    expect(sql).toContain('clock_timestamp()');
    expect(sql).toMatch(/\$4/);
  });

  it('SQLite fetches without row locks (BEGIN IMMEDIATE serializes writers), named placeholders', () => {
    const sql = sqliteDialect().sql(FETCH);
    expect(sql).not.toContain('FOR UPDATE');
    expect(sql).toContain('pq_jobs');
    expect(sql).toContain('$p4');
    expect(sql).not.toMatch(/\$\d/);
    expect(namedParameters(['a', 2])).toEqual({ p1: 'a', p2: 2 });
  });

  it('renders an unknown token as an error, not as SQL', () => {
    expect(() => sqliteDialect().sql('SELECT * FROM {nope}')).toThrow(/Unknown SQL template token/);
  });

  it('acks (seq, token) pairs in one statement', () => {
    expect(postgresDialect('s').sql(ackJobs(2))).toContain(
      '(seq, lease_token) IN (VALUES (CAST($1 AS BIGINT), $2), (CAST($3 AS BIGINT), $4))',
    );
  });
});

describe('URL settings', () => {
  const params = (entries: Record<string, string>) => new Map(Object.entries(entries));

  it('postgres: schema, database, defaults', () => {
    const { schema, settings, connection } = postgresFromUrl(
      new URL('postgres://u:p@db.example:6543/app?schema=jobs'),
      params({ schema: 'jobs' }),
      'postgres://u:***@db.example:6543/app?schema=jobs',
    );
    expect(schema).toBe('jobs');
    expect(connection).toMatchObject({
      host: 'db.example',
      port: 6543,
      database: 'app',
      user: 'u',
      password: 'p',
    });
    expect(settings.pollMs).toBe(1_000);
  });

  it('postgres: a schema name that is not a plain identifier is refused by name', () => {
    expect(() =>
      postgresFromUrl(new URL('postgres://h/app'), params({ schema: 'a;drop' }), 'postgres://h/app'),
    ).toThrow(ConfigError);
  });

  it('sqlite: the path is host + path, poll 200 ms, postgres-only parameters refused', () => {
    const { path, settings } = sqliteFromUrl(
      new URL('sqlite:///tmp/pq-x.db'),
      params({}),
      'sqlite:///tmp/pq-x.db',
    );
    expect(path).toBe('/tmp/pq-x.db');
    expect(settings.pollMs).toBe(200);
    expect(() =>
      sqliteFromUrl(new URL('sqlite:///tmp/x.db'), params({ schema: 's' }), 'sqlite:///tmp/x.db'),
    ).toThrow(/postgres:\/\/ only/);
  });
});

describe('error codes', () => {
  const withCode = (code: string) => Object.assign(new Error('x'), { code });

  it.each([
    ['23503', 'NotFound'],
    ['28P01', 'PermissionDenied'],
    ['57P01', 'Unavailable'],
    ['40P01', 'Unavailable'],
    ['53300', 'ResourceExhausted'],
    ['57014', 'DeadlineExceeded'],
    ['SQLITE_CONSTRAINT_FOREIGNKEY', 'NotFound'],
    ['SQLITE_BUSY', 'Unavailable'],
    ['SQLITE_BUSY_SNAPSHOT', 'Unavailable'],
    ['SQLITE_READONLY', 'PermissionDenied'],
    ['ECONNREFUSED', 'Unavailable'],
  ])('%s -> %s', (code, expected) => {
    expect(sqlErrorCode(withCode(code))).toBe(expected);
  });

  it('a queue never provisioned, and node-postgres client states', () => {
    expect(sqlErrorCode(new QueueMissingError('q'))).toBe('NotFound');
    expect(sqlErrorCode(new Error('Connection terminated unexpectedly'))).toBe('Unavailable');
    expect(sqlErrorCode(new Error('timeout exceeded when trying to connect'))).toBe('DeadlineExceeded');
    expect(sqlErrorCode('nope')).toBe('Unknown');
  });
});
