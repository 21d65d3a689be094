import { type ConformanceHarness, runConformance } from '@polyqueue/conformance';
import { connect, MemoryServer } from '@polyqueue/core';
import { afterAll, describe, it } from 'vitest';

// One in-process broker shared by every connection, as one RabbitMQ is shared by many processes.
// Its native delay maximum is shrunk to 500 ms so that D2 exercises the delay path in real time.
const server = new MemoryServer({ maxNativeDelayMs: 500 });

const harness: ConformanceHarness = {
  name: 'memory (real time)',
  url: 'memory://k1',
  capabilities: server.connect().capabilities,
  // Leases of 250-500 ms, backoffs of 25-100 ms: well above the 100 ms tolerance's noise floor.
  timeScale: 0.25,
  connect: (options = {}) => connect({ driver: server.connect(), ...options }),
  publishNative: async (_broker, queue, message) => server.publishRaw(queue, message),
  consumeNative: async (_broker, queue) => {
    for (let tries = 0; tries < 20; tries++) {
      const [message] = server.consumeRaw(queue, 1);
      if (message) return message;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return undefined;
  },
};

runConformance(harness, { describe, it, skip: it.skip, afterAll });
