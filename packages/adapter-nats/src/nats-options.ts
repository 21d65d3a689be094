import { ConfigError } from '@polyqueue/core';
import { isValidPrefix } from './nats-names.js';

/** Every URL query parameter the adapter accepts (README "URL" lists them with their defaults). */
export const URL_PARAMETERS = [
  'stream_prefix',
  'api_timeout_ms',
  'dedup_window_ms',
  'max_nak_delay_ms',
  'name',
] as const;

/** Settings of the driver, from URL parameters or given directly. Every one has a default. */
export interface NatsSettings {
  /** Prefix of every stream and subject polyqueue creates. Default `pq`. */
  readonly streamPrefix: string;
  /**
   * Bound on every JetStream request and publish, in ms. Default 5,000. While the connection is
   * down, requests wait this long and then fail with a retryable error.
   */
  readonly apiTimeoutMs: number;
  /** The streams' duplicate window: how long a `dedupId` is remembered, in ms. Default 120,000. */
  readonly dedupWindowMs: number;
  /**
   * Retry backoffs up to this long are a NAK with delay (the job stays in the work stream);
   * longer ones move the job to the delay stream. Default 60,000.
   */
  readonly maxNakDelayMs: number;
}

export const DEFAULT_SETTINGS: NatsSettings = {
  streamPrefix: 'pq',
  apiTimeoutMs: 5_000,
  dedupWindowMs: 120_000,
  maxNakDelayMs: 60_000,
};

export interface ConnectionSettings {
  readonly servers: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  readonly name: string;
}

export function settingsFromUrl(
  url: URL,
  params: ReadonlyMap<string, string>,
): {
  settings: NatsSettings;
  connection: ConnectionSettings;
} {
  const streamPrefix = params.get('stream_prefix') ?? DEFAULT_SETTINGS.streamPrefix;
  if (!isValidPrefix(streamPrefix))
    throw new ConfigError(`stream_prefix must use only letters, digits and "-", got "${streamPrefix}"`);
  const settings: NatsSettings = {
    streamPrefix,
    apiTimeoutMs: positiveInt(params, 'api_timeout_ms', DEFAULT_SETTINGS.apiTimeoutMs),
    dedupWindowMs: positiveInt(params, 'dedup_window_ms', DEFAULT_SETTINGS.dedupWindowMs),
    maxNakDelayMs: positiveInt(params, 'max_nak_delay_ms', DEFAULT_SETTINGS.maxNakDelayMs),
  };
  if (!url.hostname) throw new ConfigError('A nats:// URL needs a host, e.g. nats://127.0.0.1:4222');
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  const pass = url.password ? decodeURIComponent(url.password) : undefined;
  const connection: ConnectionSettings = {
    servers: `${url.hostname}:${url.port || '4222'}`,
    name: params.get('name') ?? 'polyqueue',
    // nats://token@host is NATS's own convention for token auth.
    ...(user !== undefined && pass === undefined ? { token: user } : {}),
    ...(user !== undefined && pass !== undefined ? { user, pass } : {}),
  };
  return { settings, connection };
}

function positiveInt(params: ReadonlyMap<string, string>, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ConfigError(`${name} must be a positive integer (ms), got "${raw}"`);
  return value;
}
