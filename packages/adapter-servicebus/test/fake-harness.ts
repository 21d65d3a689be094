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
import { receivedMessageType } from './native-types.js';
import { withSessionStateFaults } from './session-state-faults.js';

/** Duplicate detection on, with Service Bus's default window (10 minutes), so that U1 runs. */
const DEDUP_WINDOW_MS = 600_000;

/**
 * The conformance harness over the in-process fake namespace, on a virtual clock. A nominal second
 * is 10 s: leases of 10–20 s sit inside Service Bus's lock range (5 s – 5 min), and the whole run
 * still takes seconds. Every connection is a new client of the same fake namespace, as separate
 * processes would be clients of one real namespace.
 */
export function fakeHarness(
  options: { readonly sessions?: boolean } = {},
): ConformanceHarness & { readonly bus: FakeServiceBus; readonly failingSessionState: Set<string> } {
  const sessions = options.sessions ?? false;
  const OPTIONS: ServiceBusDriverOptions = { dedupWindowMs: DEDUP_WINDOW_MS, sessions };
  const clock = new VirtualClock();
  const bus = new FakeServiceBus(clock);
  /** Queues whose session-state writes fail (E1). */
  const failingSessionState = new Set<string>();
  const connection = (): ServiceBusConnection => ({
    bus: withSessionStateFaults(new FakeBusClient(bus), failingSessionState),
    clock,
  });
  const wait = (ms: number) => clock.advance(ms);
  return {
    name: `servicebus (in-process fake, virtual clock${sessions ? ', session queues' : ''})`,
    bus,
    failingSessionState,
    capabilities: createServiceBusDriver(connection(), OPTIONS).capabilities,
    connect: (options = {}) => connect({ driver: createServiceBusDriver(connection(), OPTIONS), ...options }),
    url: `servicebus://pqc-fake.servicebus.windows.net/?dedup_window_ms=${DEDUP_WINDOW_MS}&sessions=${sessions}`,
    adapters: { servicebus: createServiceBusAdapter(async () => connection()) },
    // Not a whole number of bytes: refused by the adapter's own parameter check, not by core.
    invalidParameter: { name: 'max_message_bytes', value: 'lots' },
    timeScale: 10,
    // E1: plain queues have no background work (receives and settlements are all awaited by the
    // worker). Session queues hold sessions between calls: a session whose record cannot be
    // written (session-state-faults.ts) is given up and reported as 'session-lost' with its queue.
    backgroundFault: sessions
      ? {
          action: 'session-lost',
          inject: async (_broker, queue) => {
            failingSessionState.add(queue);
          },
        }
      : 'none',
    // X1. `broker.native()` is what the BusClient exposes: the SDK's ServiceBusClient for real
    // (live.test.ts), the namespace model here. `job.raw` is a ServiceBusReceivedMessage (an interface).
    nativeTypes: {
      client: FakeServiceBus,
      message: receivedMessageType,
    },
    time: { now: () => clock.now(), sleep: wait },
    publishNative: async (_broker, queue, message) => {
      bus.send(queue, [
        {
          body: Buffer.from(message.body),
          applicationProperties: { ...message.headers },
          // A session queue takes only messages with a session id, from any producer.
          ...(sessions ? { sessionId: 'native-producer' } : {}),
        },
      ]);
    },
    consumeNative: async (_broker, queue) => {
      const native = new FakeBusClient(bus);
      for (let tries = 0; tries < 20; tries++) {
        const receiver = sessions
          ? await native.acceptNextSession(queue, { maxWaitMs: 0 })
          : native.receiver(queue);
        const [message] = (await receiver?.receiveMessages(1, { maxWaitTimeInMs: 0 })) ?? [];
        if (message && receiver) {
          await receiver.completeMessage(message);
          await receiver.close();
          const headers: Record<string, string> = {};
          for (const [key, value] of Object.entries(message.applicationProperties ?? {}))
            headers[key] = String(value);
          return { body: message.body as Buffer, headers };
        }
        await receiver?.close();
        await wait(400); // a nominal 40 ms between tries
      }
      return undefined;
    },
  };
}
