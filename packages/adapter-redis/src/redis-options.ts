import { ConfigError } from '@polyqueue/core';
import { UrlParams } from '@polyqueue/core/driver';
import { isValidPrefix } from './redis-names.js';

/** Every URL query parameter the adapter accepts (README "URL" lists them with their defaults). */
export const URL_PARAMETERS = [
  'key_prefix',
  'dedup_window',
  'command_timeout',
  'max_message_bytes',
  'cluster',
  'sentinel_name',
  'hosts',
] as const;

/** Settings of the driver, from URL parameters or given directly. Every one has a default. */
export interface RedisSettings {
  /** First part of every key polyqueue writes: `<prefix>:{<queue>}:jobs`. Default `pq`. */
  readonly keyPrefix: string;
  /** How long a `dedupId` is remembered, in ms. Default 300,000 (5 min, as on SQS FIFO). */
  readonly dedupWindowMs: number;
  /**
   * Bound on every command's reply, in ms. Default 5,000. While Redis is unreachable, commands
   * wait this long and then fail with a retryable error. Blocking reads wait at most a second.
   */
  readonly commandTimeoutMs: number;
  /** Largest body plus attributes a send accepts. Default 1 MiB (Redis keeps every job in RAM). */
  readonly maxMessageBytes: number;
}

export const DEFAULT_SETTINGS: RedisSettings = {
  keyPrefix: 'pq',
  dedupWindowMs: 300_000,
  commandTimeoutMs: 5_000,
  maxMessageBytes: 1_048_576,
};

/** Where and how to connect, from the URL: one server, Sentinels, or Cluster seed nodes. */
export interface ConnectionSettings {
  readonly mode: 'standalone' | 'sentinel' | 'cluster';
  /** The URL's host first, then those of `hosts`. */
  readonly hosts: readonly { readonly host: string; readonly port: number }[];
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly db: number;
  /** The Sentinel master name (mode sentinel). */
  readonly sentinelName?: string;
}

export function settingsFromUrl(
  url: URL,
  params: ReadonlyMap<string, string>,
  redacted: string,
): { settings: RedisSettings; connection: ConnectionSettings } {
  const p = new UrlParams(params, redacted);
  const keyPrefix = p.string('key_prefix') ?? DEFAULT_SETTINGS.keyPrefix;
  if (!isValidPrefix(keyPrefix))
    throw new ConfigError(
      `key_prefix must be 1-64 letters, digits, ".", "_", "-" or ":", got "${keyPrefix}" in ${redacted}`,
    );
  const settings: RedisSettings = {
    keyPrefix,
    dedupWindowMs: p.duration('dedup_window', { min: 1_000, default: DEFAULT_SETTINGS.dedupWindowMs }),
    commandTimeoutMs: p.duration('command_timeout', {
      min: 1_000,
      max: 600_000,
      default: DEFAULT_SETTINGS.commandTimeoutMs,
    }),
    maxMessageBytes: p.int('max_message_bytes', {
      min: 1_024,
      max: 512 * 1_048_576,
      default: DEFAULT_SETTINGS.maxMessageBytes,
    }),
  };
  const cluster = p.bool('cluster', false);
  const sentinelName = p.string('sentinel_name');
  if (cluster && sentinelName !== undefined)
    throw new ConfigError(`cluster and sentinel_name exclude each other in ${redacted}`);
  const mode = cluster ? 'cluster' : sentinelName !== undefined ? 'sentinel' : 'standalone';
  if (!url.hostname) throw new ConfigError(`A redis:// URL needs a host, e.g. redis://127.0.0.1:6379`);
  const defaultPort = mode === 'sentinel' ? 26_379 : 6_379;
  const hosts = [
    { host: url.hostname, port: url.port ? Number(url.port) : defaultPort },
    ...(p.string('hosts') ?? '')
      .split(',')
      .filter(Boolean)
      .map((entry) => parseHost(entry, defaultPort, redacted)),
  ];
  const db = parseDb(url.pathname, redacted);
  if (db !== 0 && mode === 'cluster')
    throw new ConfigError(`Redis Cluster has only database 0, got /${db} in ${redacted}`);
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const connection: ConnectionSettings = {
    mode,
    hosts,
    tls: url.protocol === 'rediss:',
    db,
    // redis://:password@host (no user) is Redis's own form for the default user.
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(sentinelName !== undefined ? { sentinelName } : {}),
  };
  return { settings, connection };
}

function parseHost(entry: string, defaultPort: number, redacted: string) {
  const match = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::(\d{1,5}))?$/.exec(entry.trim());
  if (!match)
    throw new ConfigError(
      `hosts must be host[:port] entries separated by ",", got "${entry}" in ${redacted}`,
    );
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : defaultPort };
}

function parseDb(pathname: string, redacted: string): number {
  const text = pathname.replace(/^\//, '');
  if (text === '') return 0;
  if (!/^\d{1,2}$/.test(text))
    throw new ConfigError(`The URL path must be a database number such as /0, got "/${text}" in ${redacted}`);
  return Number(text);
}
