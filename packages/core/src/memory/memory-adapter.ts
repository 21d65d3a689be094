import type { AdapterModule, DriverContext } from '../driver/adapter-module.js';
import { UrlParams } from '../driver/kit/url-params.js';
import { ConfigError } from '../errors/config-error.js';
import {
  DEFAULT_DEDUP_WINDOW_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  MemoryServer,
  type MemoryServerOptions,
} from './memory-server.js';

/**
 * `memory://[namespace]`: every connect() with the same namespace in one process shares one
 * server, just as two processes share one real broker. Parameters:
 * - `max_message_bytes` (default 1048576)
 * - `max_native_delay_ms` (default unlimited; longer delays hop)
 * - `dedup_window_ms` (default 300000)
 * Each is a whole number >= 1, as the same parameters are on the other adapters (kit UrlParams).
 */
const PARAMETERS = ['max_message_bytes', 'max_native_delay_ms', 'dedup_window_ms'] as const;

const servers = new Map<string, { server: MemoryServer; signature: string }>();

export const memoryAdapter: AdapterModule = {
  schemes: ['memory'],
  parameters: PARAMETERS,
  async createDriver(context: DriverContext) {
    const namespace = context.url.hostname || 'default';
    const options = serverOptions(context);
    const signature = JSON.stringify([...context.params].sort());
    const existing = servers.get(namespace);
    if (existing) {
      if (existing.signature !== signature || (context.clock && context.clock !== existing.server.clock)) {
        throw new ConfigError(
          `memory://${namespace} already exists with other settings; use another namespace (memory://<name>)`,
        );
      }
      return existing.server.connect();
    }
    const server = new MemoryServer(options);
    servers.set(namespace, { server, signature });
    return server.connect();
  },
};

/** Forgets every shared memory:// server (for test isolation). */
export function resetMemoryServers(): void {
  servers.clear();
}

function serverOptions(context: DriverContext): MemoryServerOptions {
  const params = new UrlParams(context.params, context.redacted);
  return {
    ...(context.clock ? { clock: context.clock } : {}),
    maxMessageBytes: params.int('max_message_bytes', { min: 1, default: DEFAULT_MAX_MESSAGE_BYTES }),
    // Zero would make every delay a hop of no length: a busy loop on the wall clock, and one
    // that never ends on the virtual clock.
    maxNativeDelayMs: params.int('max_native_delay_ms', { min: 1, default: Number.POSITIVE_INFINITY }),
    // Zero would turn dedup off while the capability still promises it (nats refuses it too).
    dedupWindowMs: params.int('dedup_window_ms', { min: 1, default: DEFAULT_DEDUP_WINDOW_MS }),
  };
}
