import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { ConfigError } from '@polyqueue/core';
import { UrlParams } from '@polyqueue/core/driver';

/** Every URL query parameter the adapter accepts (README "URL" lists them with their defaults). */
export const URL_PARAMETERS = [
  'schema',
  'poll_interval',
  'dedup_window',
  'max_message_bytes',
  'pool_max',
  'connect_timeout',
  'ssl',
] as const;

/** Settings of the driver (both dialects), from URL parameters or given directly. */
export interface SqlSettings {
  /**
   * The longest an idle receiver sleeps before it looks again. Wake-ups (NOTIFY on PostgreSQL, a
   * commit in this process on SQLite) and the next due time cut it short; it bounds only how late
   * a receiver notices what no wake-up announced (a job sent by another SQLite process, a lease
   * that ran out in another process). Default 1 s on PostgreSQL, 200 ms on SQLite.
   */
  readonly pollMs: number;
  /** How long a `dedupId` is remembered, in ms. Default 300,000 (5 min). */
  readonly dedupWindowMs: number;
  /** Largest body plus attributes a send accepts. Default 1 MiB. */
  readonly maxMessageBytes: number;
}

export const DEFAULT_SETTINGS: SqlSettings = {
  pollMs: 1_000,
  dedupWindowMs: 300_000,
  maxMessageBytes: 1_048_576,
};

export const SQLITE_DEFAULT_POLL_MS = 200;

/** The PostgreSQL schema polyqueue's tables live in. */
export const DEFAULT_SCHEMA = 'polyqueue';

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

function settings(p: UrlParams, defaultPollMs: number): SqlSettings {
  return {
    pollMs: p.duration('poll_interval', { min: 10, max: 60_000, default: defaultPollMs }),
    dedupWindowMs: p.duration('dedup_window', { min: 1_000, default: DEFAULT_SETTINGS.dedupWindowMs }),
    maxMessageBytes: p.int('max_message_bytes', {
      min: 1_024,
      max: 256 * 1_048_576,
      default: DEFAULT_SETTINGS.maxMessageBytes,
    }),
  };
}

export interface PostgresConnection {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user?: string;
  readonly password?: string;
  readonly max: number;
  readonly connectionTimeoutMillis: number;
  readonly ssl: boolean;
}

/** `postgres://[user[:password]@]host[:port]/database[?schema=polyqueue&...]`. */
export function postgresFromUrl(
  url: URL,
  params: ReadonlyMap<string, string>,
  redacted: string,
): { settings: SqlSettings; schema: string; connection: PostgresConnection } {
  const p = new UrlParams(params, redacted);
  const schema = p.string('schema') ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema))
    throw new ConfigError(
      `Parameter schema must be an unquoted identifier (a letter or "_", then letters, digits, "_" or "$", at most 63), got "${schema}" in ${redacted}`,
    );
  if (!url.hostname)
    throw new ConfigError(`A postgres:// URL needs a host, e.g. postgres://127.0.0.1:5432/app`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '') throw new ConfigError(`A postgres:// URL needs a database, e.g. /app, in ${redacted}`);
  const user = url.username ? decodeURIComponent(url.username) : defaultUser();
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  return {
    settings: settings(p, DEFAULT_SETTINGS.pollMs),
    schema,
    connection: {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : 5_432,
      database,
      ...(user !== undefined ? { user } : {}),
      ...(password !== undefined ? { password } : {}),
      max: p.int('pool_max', { min: 2, max: 1_000, default: 10 }),
      connectionTimeoutMillis: p.duration('connect_timeout', { min: 100, max: 600_000, default: 10_000 }),
      ssl: p.bool('ssl', false),
    },
  };
}

/**
 * `sqlite://path/to/jobs.db` (relative to the working directory) or `sqlite:///absolute/jobs.db`.
 * The file's directory is created if missing. PostgreSQL-only parameters are refused by name.
 */
export function sqliteFromUrl(
  url: URL,
  params: ReadonlyMap<string, string>,
  redacted: string,
): { settings: SqlSettings; path: string } {
  for (const name of ['schema', 'pool_max', 'connect_timeout', 'ssl'])
    if (params.has(name))
      throw new ConfigError(`Parameter ${name} applies to postgres:// only, in ${redacted}`);
  const path = decodeURIComponent(`${url.host}${url.pathname}`);
  if (path === '' || path === '/')
    throw new ConfigError(`A sqlite:// URL needs a file, e.g. sqlite://.tmp/jobs.db, got ${redacted}`);
  mkdirSync(dirname(path), { recursive: true });
  return { settings: settings(new UrlParams(params, redacted), SQLITE_DEFAULT_POLL_MS), path };
}

/** As libpq (psql) does without a user in the URL: PGUSER, else the operating-system user. */
function defaultUser(): string | undefined {
  if (process.env.PGUSER) return process.env.PGUSER;
  try {
    return userInfo().username;
  } catch {
    return undefined; // no passwd entry: the server then refuses with its own message
  }
}
