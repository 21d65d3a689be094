import type { ConformanceHarness, SuiteTime } from '@polyqueue/conformance';
import { connect, MemoryNativeMessage, MemoryServer } from '@polyqueue/core';

/**
 * The harness for the memory adapter: one in-process broker shared by every connection, as one
 * RabbitMQ is shared by many processes. Its "native" producer and consumer are the server's raw
 * API, which speaks the header form of the wire format.
 */
export function memoryHarness(
  server: MemoryServer,
  settings: { name: string; timeScale: number; time?: SuiteTime },
): ConformanceHarness {
  const wait = (ms: number) =>
    settings.time ? settings.time.sleep(ms) : new Promise((r) => setTimeout(r, ms));
  return {
    ...settings,
    url: 'memory://k1',
    // A native delay maximum of 0 would make every delay a hop of no length.
    invalidParameter: { name: 'max_native_delay_ms', value: '0' },
    capabilities: server.connect().capabilities,
    // The memory driver runs no background work: its delays and leases are timers of its server.
    backgroundFault: 'none',
    nativeTypes: { client: MemoryServer, message: MemoryNativeMessage },
    connect: (options = {}) => connect({ driver: server.connect(), ...options }),
    publishNative: async (_broker, queue, message) => server.publishRaw(queue, message),
    consumeNative: async (_broker, queue) => {
      for (let tries = 0; tries < 20; tries++) {
        const [message] = server.consumeRaw(queue, 1);
        if (message) return message;
        await wait(40 * settings.timeScale); // a nominal 40 ms between tries
      }
      return undefined;
    },
  };
}
