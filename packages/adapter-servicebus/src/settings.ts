import { ConfigError } from '@polyqueue/core';
import { type DriverContext, UrlParams } from '@polyqueue/core/driver';

/** Every URL query parameter the adapter accepts (README, "URL"). */
export const URL_PARAMETERS = ['queue_prefix', 'sessions', 'dedup_window_ms', 'max_message_bytes'] as const;

/**
 * 256 KB is the Standard tier's limit for the whole message, headers included. polyqueue's own
 * properties, and on dead-lettering the error record, must fit beside the body and the user's
 * attributes, so 16 KiB are kept back for them.
 */
export const RESERVED_MESSAGE_BYTES = 16 * 1024;
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 - RESERVED_MESSAGE_BYTES;

/**
 * The broker's own limit for a whole message, as far as this connection knows it: what it accepts
 * from users plus what it keeps back for itself (256 KB on Standard by default). A foreign
 * producer's message may be that large.
 */
export function nativeMessageLimit(settings: { readonly maxMessageBytes: number }): number {
  return settings.maxMessageBytes + RESERVED_MESSAGE_BYTES;
}

/** What the driver needs to know about the namespace's entities, beyond how to reach it. */
export interface ServiceBusSettings {
  /** Prepended to every logical queue name. */
  readonly queuePrefix: string;
  /** Queues require sessions: `orderingKey` maps to `sessionId` (capability `ordering`). */
  readonly sessions: boolean;
  /** Queues use duplicate detection with this window (capability `dedup`); undefined = off. */
  readonly dedupWindowMs: number | undefined;
  readonly maxMessageBytes: number;
}

/** How to reach the namespace: a SAS connection string, or a namespace for a token credential. */
export type ServiceBusTarget =
  | { readonly kind: 'connection-string'; readonly connectionString: string; readonly host: string }
  | { readonly kind: 'passwordless'; readonly host: string };

/**
 * `servicebus://<namespace>.servicebus.windows.net[?params]` signs in passwordless (Microsoft
 * Entra ID through `@azure/identity`); `servicebus://<keyName>:<key>@<namespace>...` uses a SAS
 * key, percent-encoded as any URL password.
 */
export function targetFromUrl(context: DriverContext): ServiceBusTarget {
  const { url, redacted } = context;
  const host = url.hostname;
  if (!host) {
    throw new ConfigError(
      `servicebus URL needs the namespace as its host, e.g. servicebus://my-ns.servicebus.windows.net (got ${redacted})`,
    );
  }
  if (url.pathname !== '' && url.pathname !== '/') {
    throw new ConfigError(`servicebus URL takes no path; queues are named in code (got ${redacted})`);
  }
  if (!url.username && !url.password) return { kind: 'passwordless', host: url.host };
  if (!url.username || !url.password) {
    throw new ConfigError(
      `servicebus URL credentials must be <SharedAccessKeyName>:<SharedAccessKey>@ (got ${redacted})`,
    );
  }
  const keyName = decodeURIComponent(url.username);
  const key = decodeURIComponent(url.password);
  return {
    kind: 'connection-string',
    host: url.host,
    connectionString: `Endpoint=sb://${url.host}/;SharedAccessKeyName=${keyName};SharedAccessKey=${key}`,
  };
}

/** The driver's settings from the URL, read with the kit's one set of spellings (README, "URL"). */
export function settingsFromParams(context: DriverContext): ServiceBusSettings {
  const params = new UrlParams(context.params, context.redacted);
  const window =
    params.string('dedup_window_ms') === undefined
      ? undefined
      : params.int('dedup_window_ms', { min: MIN_DEDUP_WINDOW_MS, max: MAX_DEDUP_WINDOW_MS, default: 0 });
  return {
    queuePrefix: params.string('queue_prefix') ?? '',
    sessions: params.bool('sessions', false),
    dedupWindowMs: window,
    maxMessageBytes: params.int('max_message_bytes', { min: 1, default: DEFAULT_MAX_MESSAGE_BYTES }),
  };
}

/** Service Bus accepts duplicate detection windows from 20 seconds to 7 days. */
const MIN_DEDUP_WINDOW_MS = 20_000;
const MAX_DEDUP_WINDOW_MS = 7 * 86_400_000;

/** The same bounds for a window given in code (`createServiceBusDriver`). */
export function checkDedupWindow(windowMs: number): void {
  if (!Number.isSafeInteger(windowMs) || windowMs < MIN_DEDUP_WINDOW_MS || windowMs > MAX_DEDUP_WINDOW_MS) {
    throw new ConfigError(
      `dedup_window_ms must be between 20000 (20 s) and 604800000 (7 days), got ${windowMs}`,
    );
  }
}
