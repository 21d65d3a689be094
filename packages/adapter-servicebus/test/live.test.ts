import { randomBytes } from 'node:crypto';
import { ServiceBusAdministrationClient, ServiceBusClient } from '@azure/service-bus';
import { type ConformanceHarness, runConformance } from '@polyqueue/conformance';
import { connect } from '@polyqueue/core';
import { afterAll, describe, it } from 'vitest';
import { SdkBusClient } from '../src/bus/sdk-bus-client.js';
import {
  adapter,
  connectionStringToUrl,
  createServiceBusDriver,
  type ServiceBusDriverOptions,
} from '../src/index.js';
import { receivedMessageType } from './native-types.js';
import { withSessionStateFaults } from './session-state-faults.js';

/**
 * The conformance suite against a real namespace, opt-in: set POLYQUEUE_SERVICEBUS_CONNECTION_STRING
 * to a SAS connection string with Manage, Send and Listen on a Standard or Premium namespace (the
 * suite uses duplicate detection, which Basic lacks). Without it this file registers one skipped
 * placeholder and nothing that could pass: the in-process fake (conformance.test.ts) is what CI
 * runs. See the README, "Known deviations".
 *
 * Every queue of a run is named with one random prefix and deleted afterwards.
 */
const connectionString = process.env.POLYQUEUE_SERVICEBUS_CONNECTION_STRING;

if (connectionString) {
  const prefix = `pqlive-${randomBytes(3).toString('hex')}-`;
  const native = new ServiceBusClient(connectionString);
  const admin = new ServiceBusAdministrationClient(connectionString);
  // Plain queues, then session queues (orderingKey -> sessionId, rules O1/O2), each under its own prefix.
  for (const sessions of [false, true]) {
    const queuePrefix = `${prefix}${sessions ? 's-' : 'p-'}`;
    const options: ServiceBusDriverOptions = { queuePrefix, dedupWindowMs: 600_000, sessions };
    const failing = new Set<string>();
    const harness: ConformanceHarness = {
      name: `servicebus (live namespace${sessions ? ', session queues' : ''})`,
      capabilities: createServiceBusDriver({ connectionString }, options).capabilities,
      connect: (settings = {}) =>
        connect({ driver: createServiceBusDriver({ connectionString }, options), ...settings }),
      url: `${connectionStringToUrl(connectionString)}?queue_prefix=${queuePrefix}&dedup_window_ms=600000&sessions=${sessions}`,
      adapters: { servicebus: adapter },
      // Locks are 5 s at the least, so a nominal 1 s lease becomes 5 s of real time.
      timeScale: 5,
      nativeTypes: { client: ServiceBusClient, message: receivedMessageType },
      // E1: see fake-harness.ts; here the session-state writes of a real client are made to fail.
      backgroundFault: sessions
        ? {
            action: 'session-lost',
            connect: async () => {
              const bus = new SdkBusClient(
                new ServiceBusClient(connectionString),
                new ServiceBusAdministrationClient(connectionString),
                true,
              );
              const driver = createServiceBusDriver({ bus: withSessionStateFaults(bus, failing) }, options);
              return { broker: await connect({ driver }) };
            },
            inject: async (_broker, queue) => {
              failing.add(`${queuePrefix}${queue}`);
            },
          }
        : 'none',
      publishNative: async (_broker, queue, message) => {
        const sender = native.createSender(`${queuePrefix}${queue}`);
        await sender.sendMessages({
          body: Buffer.from(message.body),
          applicationProperties: { ...message.headers },
          ...(sessions ? { sessionId: 'native-producer' } : {}),
        });
        await sender.close();
      },
      consumeNative: async (_broker, queue) => {
        const name = `${queuePrefix}${queue}`;
        const receiver = sessions
          ? await native
              .acceptNextSession(name, {
                receiveMode: 'receiveAndDelete',
                abortSignal: AbortSignal.timeout(5_000),
              })
              .catch(() => undefined)
          : native.createReceiver(name, { receiveMode: 'receiveAndDelete' });
        if (!receiver) return undefined;
        try {
          const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
          if (!message) return undefined;
          const headers: Record<string, string> = {};
          for (const [key, value] of Object.entries(message.applicationProperties ?? {}))
            headers[key] = String(value);
          return { body: message.body as Buffer, headers };
        } finally {
          await receiver.close();
        }
      },
    };
    runConformance(harness, { describe, it, skip: it.skip, afterAll });
  }
  afterAll(async () => {
    for await (const queue of admin.listQueues()) {
      if (queue.name.startsWith(prefix)) await admin.deleteQueue(queue.name).catch(() => undefined);
    }
    await native.close();
  }, 120_000);
} else {
  // vitest fails a file that registers no test at all; this one says why nothing runs.
  it.skip('live namespace conformance [skip: deviation no live namespace: set POLYQUEUE_SERVICEBUS_CONNECTION_STRING]', () => {});
}
