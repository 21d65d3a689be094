import type { ConformanceHarness } from '@polyqueue/conformance';
import { connect, VirtualClock } from '@polyqueue/core';
import {
  createServiceBusAdapter,
  createServiceBusDriver,
  type ServiceBusConnection,
  type ServiceBusDriverOptions,
} from '../src/index.js';
import { FakeBusClient } from './fake/fake-bus-client.js';
import { FakeServiceBus } from './fake/fake-service-bus.js';

/** Duplicate detection on, with Service Bus's default window (10 minutes), so that U1 runs. */
const OPTIONS: ServiceBusDriverOptions = { dedupWindowMs: 600_000 };

/**
 * The conformance harness over the in-process fake namespace, on a virtual clock. A nominal second
 * is 10 s: leases of 10–20 s sit inside Service Bus's lock range (5 s – 5 min), and the whole run
 * still takes seconds. Every connection is a new client of the same fake namespace, as separate
 * processes would be clients of one real namespace.
 */
export function fakeHarness(): ConformanceHarness & { readonly bus: FakeServiceBus } {
  const clock = new VirtualClock();
  const bus = new FakeServiceBus(clock);
  const connection = (): ServiceBusConnection => ({ bus: new FakeBusClient(bus), clock });
  const wait = (ms: number) => clock.advance(ms);
  return {
    name: 'servicebus (in-process fake, virtual clock)',
    bus,
    capabilities: createServiceBusDriver(connection(), OPTIONS).capabilities,
    connect: (options = {}) => connect({ driver: createServiceBusDriver(connection(), OPTIONS), ...options }),
    url: 'servicebus://pqc-fake.servicebus.windows.net/?dedup_window_ms=600000',
    adapters: { servicebus: createServiceBusAdapter(async () => connection()) },
    timeScale: 10,
    time: { now: () => clock.now(), sleep: wait },
    publishNative: async (_broker, queue, message) => {
      bus.send(queue, [{ body: Buffer.from(message.body), applicationProperties: { ...message.headers } }]);
    },
    consumeNative: async (_broker, queue) => {
      for (let tries = 0; tries < 20; tries++) {
        const [message] = bus.take(queue, undefined, 1);
        if (message) {
          bus.complete(queue, undefined, message);
          const headers: Record<string, string> = {};
          for (const [key, value] of Object.entries(message.applicationProperties ?? {}))
            headers[key] = String(value);
          return { body: message.body as Buffer, headers };
        }
        await wait(400); // a nominal 40 ms between tries
      }
      return undefined;
    },
  };
}
