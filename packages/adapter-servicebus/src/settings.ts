import { ConfigError } from '@polyqueue/core';
import type { DriverContext } from '@polyqueue/core/driver';

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

export function settingsFromParams(context: DriverContext): ServiceBusSettings {
  const { params } = context;
  const window = intParam(context, 'dedup_window_ms');
  if (window !== undefined) checkDedupWindow(window);
  return {
    queuePrefix: params.get('queue_prefix') ?? '',
    sessions: boolParam(context, 'sessions') ?? false,
    dedupWindowMs: window,
    maxMessageBytes: intParam(context, 'max_message_bytes') ?? DEFAULT_MAX_MESSAGE_BYTES,
  };
}

/** Service Bus accepts duplicate detection windows from 20 seconds to 7 days. */
export function checkDedupWindow(windowMs: number): void {
  if (windowMs < 20_000 || windowMs > 7 * 86_400_000) {
    throw new ConfigError(
      `dedup_window_ms must be between 20000 (20 s) and 604800000 (7 days), got ${windowMs}`,
    );
  }
}

function intParam(context: DriverContext, name: string): number | undefined {
  const text = context.params.get(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(
      `Parameter ${name} must be a whole number > 0, got "${text}" in ${context.redacted}`,
    );
  }
  return value;
}

function boolParam(context: DriverContext, name: string): boolean | undefined {
  const text = context.params.get(name);
  if (text === undefined) return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new ConfigError(`Parameter ${name} must be true or false, got "${text}" in ${context.redacted}`);
}
