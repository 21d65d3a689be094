import type { AdapterModule, DriverContext } from '../driver/adapter-module.js';
import { ConfigError } from '../errors/config-error.js';
import { MemoryServer, type MemoryServerOptions } from './memory-server.js';

/**
 * `memory://[namespace]`: every connect() with the same namespace in one process shares one
 * server, just as two processes share one real broker. Parameters:
 * - `max_message_bytes` (default 1048576)
 * - `max_native_delay_ms` (default unlimited; longer delays hop)
 * - `dedup_window_ms` (default 300000)
 */
const PARAMETERS = ['max_message_bytes', 'max_native_delay_ms', 'dedup_window_ms'] as const;

const servers = new Map<string, { server: MemoryServer; signature: string }>();

export const memoryAdapter: AdapterModule = {
  schemes: ['memory'],
  parameters: PARAMETERS,
  async createDriver(context: DriverContext) {
    const namespace = context.url.hostname || 'default';
    const options: { -readonly [K in keyof MemoryServerOptions]: MemoryServerOptions[K] } = {};
    if (context.clock) options.clock = context.clock;
    const maxBytes = intParam(context, 'max_message_bytes', 1);
    if (maxBytes !== undefined) options.maxMessageBytes = maxBytes;
    // Zero would make every delay a hop of no length: a busy loop on the wall clock, and one
    // that never ends on the virtual clock.
    const maxDelay = intParam(context, 'max_native_delay_ms', 1);
    if (maxDelay !== undefined) options.maxNativeDelayMs = maxDelay;
    const window = intParam(context, 'dedup_window_ms', 0);
    if (window !== undefined) options.dedupWindowMs = window;
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

function intParam(context: DriverContext, name: string, min: number): number | undefined {
  const text = context.params.get(name);
  if (text === undefined) return undefined;
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(
      `Parameter ${name} must be a whole number >= ${min}, got "${text}" in ${context.redacted}`,
    );
  }
  return value;
}
