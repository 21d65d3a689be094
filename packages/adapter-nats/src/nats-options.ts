import { ConfigError } from '@polyqueue/core';
import { UrlParams } from '@polyqueue/core/driver';
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

/** The driver's settings from the URL, read with the kit's one set of spellings (README, "URL"). */
export function settingsFromUrl(
  url: URL,
  query: ReadonlyMap<string, string>,
  redacted: string,
): {
  settings: NatsSettings;
  connection: ConnectionSettings;
} {
  const params = new UrlParams(query, redacted);
  const d = DEFAULT_SETTINGS;
  const streamPrefix = params.string('stream_prefix') ?? d.streamPrefix;
  if (!isValidPrefix(streamPrefix))
    throw new ConfigError(
      `Parameter stream_prefix must use only letters, digits and "-", got "${streamPrefix}" in ${redacted}`,
    );
  const settings: NatsSettings = {
    streamPrefix,
    apiTimeoutMs: params.int('api_timeout_ms', { min: 1, max: 3_600_000, default: d.apiTimeoutMs }),
    dedupWindowMs: params.int('dedup_window_ms', { min: 1, default: d.dedupWindowMs }),
    maxNakDelayMs: params.int('max_nak_delay_ms', { min: 1, default: d.maxNakDelayMs }),
  };
  if (!url.hostname) throw new ConfigError('A nats:// URL needs a host, e.g. nats://127.0.0.1:4222');
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  const pass = url.password ? decodeURIComponent(url.password) : undefined;
  const connection: ConnectionSettings = {
    servers: `${url.hostname}:${url.port || '4222'}`,
    name: params.string('name') ?? 'polyqueue',
    // nats://token@host is NATS's own convention for token auth.
    ...(user !== undefined && pass === undefined ? { token: user } : {}),
    ...(user !== undefined && pass !== undefined ? { user, pass } : {}),
  };
  return { settings, connection };
}
