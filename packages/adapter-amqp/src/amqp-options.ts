import { type DriverContext, UrlParams } from '@polyqueue/core/driver';
import { parseManagementUrl } from './amqp-management.js';

export type QueueType = 'quorum' | 'classic';

/** Every setting of the AMQP driver, from the URL or given programmatically. */
export interface AmqpOptions {
  /** `quorum` (default: replicated, poison-message safe) or `classic`. */
  readonly queueType: QueueType;
  /** Prepended to every native queue and exchange name. Default: none. */
  readonly queuePrefix: string;
  /**
   * Levels of the delay cascade: level k holds messages 2^k ms. Delays up to 2^levels - 1 ms take
   * one pass through it; longer ones hop (see README). Default 32: about 49.7 days.
   */
  readonly delayLevels: number;
  /** Largest body plus attributes, in bytes. Default 16 MiB (RabbitMQ 4.0's max_message_size). */
  readonly maxMessageBytes: number;
  /** How long a send or settlement waits for a lost connection to come back. Default 10 s. */
  readonly connectTimeoutMs: number;
  /** Ceiling of the reconnect backoff (it starts at 100 ms and doubles). Default 5 s. */
  readonly reconnectMaxMs: number;
  /**
   * How long a publish waits for RabbitMQ's confirm (and any other answer: a declaration, the
   * round trip that proves an ack, a channel's CloseOk) before failing with a retryable
   * DeadlineExceeded. Default 15 s.
   */
  readonly publishTimeoutMs: number;
  /**
   * The RabbitMQ management HTTP API (`http://user:pass@host:15672`), read for what AMQP cannot
   * tell: the in-flight count of `stats()` and the list of `broker.queues()`. Default: none.
   */
  readonly managementUrl: string | undefined;
  /** The virtual host, as the management API names it. Default `/` (from the URL's path). */
  readonly vhost: string;
}

export const DEFAULT_OPTIONS: AmqpOptions = {
  queueType: 'quorum',
  queuePrefix: '',
  delayLevels: 32,
  maxMessageBytes: 16 * 1024 * 1024,
  connectTimeoutMs: 10_000,
  reconnectMaxMs: 5_000,
  publishTimeoutMs: 15_000,
  managementUrl: undefined,
  vhost: '/',
};

/**
 * The AMQP heartbeat polyqueue asks for, in seconds, unless the URL sets `heartbeat`. RabbitMQ
 * proposes 60 s, and a silent partition is noticed only after two missed beats (2-3 minutes, the
 * whole time a consumer's jobs stay held). 15 s notices it in about 30 s and costs one 8-byte
 * frame per 15 s each way; RabbitMQ advises against values under 5 s (false alarms under load).
 */
export const DEFAULT_HEARTBEAT_S = 15;

/** URL query parameters, each documented in the README. `heartbeat` is passed to amqplib. */
export const PARAMETERS = [
  'queue_type',
  'queue_prefix',
  'delay_levels',
  'max_message_bytes',
  'connect_timeout_ms',
  'reconnect_max_ms',
  'publish_timeout_ms',
  'heartbeat',
  'management_url',
] as const;

/** The highest cascade level count: 2^40 ms is about 35 years, and keeps routing keys short. */
export const MAX_DELAY_LEVELS = 40;

/** The driver's settings from the URL, read with the kit's one set of spellings (README, "URL"). */
export function parseOptions(context: DriverContext): AmqpOptions {
  const params = new UrlParams(context.params, context.redacted);
  const d = DEFAULT_OPTIONS;
  // Checked here so that a bad value is a ConfigError naming it; amqplib reads it from the URL.
  params.int('heartbeat', { min: 0, max: 65_535, default: DEFAULT_HEARTBEAT_S });
  return {
    queueType: params.choice('queue_type', ['quorum', 'classic'], d.queueType),
    queuePrefix: params.string('queue_prefix') ?? d.queuePrefix,
    delayLevels: params.int('delay_levels', { min: 1, max: MAX_DELAY_LEVELS, default: d.delayLevels }),
    maxMessageBytes: params.int('max_message_bytes', {
      min: 1,
      max: 512 * 1024 * 1024,
      default: d.maxMessageBytes,
    }),
    connectTimeoutMs: params.int('connect_timeout_ms', {
      min: 0,
      max: 3_600_000,
      default: d.connectTimeoutMs,
    }),
    reconnectMaxMs: params.int('reconnect_max_ms', { min: 100, max: 600_000, default: d.reconnectMaxMs }),
    publishTimeoutMs: params.int('publish_timeout_ms', {
      min: 1,
      max: 3_600_000,
      default: d.publishTimeoutMs,
    }),
    managementUrl: managementUrl(params.string('management_url')),
    // amqplib's reading: the path after the first "/", percent-decoded; none is the default vhost.
    vhost: context.url.pathname.length > 1 ? decodeURIComponent(context.url.pathname.slice(1)) : d.vhost,
  };
}

function managementUrl(text: string | undefined): string | undefined {
  if (text !== undefined) parseManagementUrl(text);
  return text;
}

/** The URL amqplib connects to: ours, without polyqueue's own parameters, with a heartbeat. */
export function amqplibUrl(url: URL): string {
  const copy = new URL(url.href);
  for (const name of PARAMETERS) if (name !== 'heartbeat') copy.searchParams.delete(name);
  if (!copy.searchParams.has('heartbeat')) copy.searchParams.set('heartbeat', String(DEFAULT_HEARTBEAT_S));
  return copy.href;
}
