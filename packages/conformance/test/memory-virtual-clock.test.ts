import { type ConformanceHarness, runConformance } from '@polyqueue/conformance';
import { connect, MemoryServer, VirtualClock } from '@polyqueue/core';
import { afterAll, describe, it } from 'vitest';

// The same contract on virtual time: a nominal second is 15 minutes, so leases last hours and
// the longest waits most of a day, and the whole run still takes a second or two. The native
// delay maximum is SQS's 15 minutes: a nominal 0.5 s delay is native, longer ones hop.
const clock = new VirtualClock();
const server = new MemoryServer({ clock, maxNativeDelayMs: 15 * 60_000 });

const harness: ConformanceHarness = {
  name: 'memory (virtual clock)',
  url: 'memory://k1',
  capabilities: server.connect().capabilities,
  timeScale: 900,
  time: { now: () => clock.now(), sleep: (ms) => clock.advance(ms) },
  connect: (options = {}) => connect({ driver: server.connect(), ...options }),
  publishNative: async (_broker, queue, message) => server.publishRaw(queue, message),
  consumeNative: async (_broker, queue) => {
    for (let tries = 0; tries < 20; tries++) {
      const [message] = server.consumeRaw(queue, 1);
      if (message) return message;
      await clock.advance(1_000);
    }
    return undefined;
  },
};

runConformance(harness, { describe, it, skip: it.skip, afterAll });
