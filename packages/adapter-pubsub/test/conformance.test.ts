import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { type ConformanceHarness, runConformance } from '@polyqueue/conformance';
import { connect } from '@polyqueue/core';
import { afterAll, describe, it } from 'vitest';
import type { PulledMessage } from '../src/index.js';
import { deleteProject, PSTEST_HOST, pullOne, requirePstest } from './pstest.js';

await requirePstest();

// One project per run: the fake keeps everything in memory, and afterAll deletes it all.
const project = `pqc-${randomBytes(4).toString('hex')}`;
// The fake is started with a 1 s minimum ack deadline (Pub/Sub's is 10 s), so leases can be short.
const url = `pubsub://${project}?emulator_host=${PSTEST_HOST}&min_lease_ms=1000`;

const probe = await connect(url);
const capabilities = probe.capabilities;
await probe.close();

const deliveryAttempt =
  'pstest ignores dead-letter policies and always reports deliveryAttempt 0, so a delivery lost in a crash is not counted by the next consumer';

const harness: ConformanceHarness = {
  name: `pubsub (pstest at ${PSTEST_HOST})`,
  capabilities,
  url,
  // Leases of 2-4 s: a CI machine running every suite at once can stall the event loop for a second.
  timeScale: 2,
  deviations: { L3: deliveryAttempt, R6: deliveryAttempt },
  // Below Pub/Sub's accepted range (1,000-600,000): refused by the adapter, not by core.
  invalidParameter: { name: 'min_lease_ms', value: '5' },
  connect: (options = {}) => connect(url, options),
  publishNative: async (broker, queue, message) => {
    await broker
      .native<PubSub>()
      .topic(queue)
      .publishMessage({ data: Buffer.from(message.body), attributes: { ...message.headers } });
  },
  // E1: the delay forwarder's subscription is deleted under it, so its pulls fail, reported as
  // 'forward-pull' with the queue. Not the ready topic or subscription: the worker's receive would
  // see NotFound there and core would provision the queue again; and pstest panics (and dies)
  // deleting a subscription whose topic it already deleted.
  backgroundFault: {
    action: 'forward-pull',
    inject: async (broker, queue) => {
      await broker.native(PubSub).subscription(`${queue}.delay`).delete();
    },
  },
  // X1: as the README documents them: the PubSub client, and a PulledMessage as job.raw.
  nativeTypes: {
    client: PubSub,
    message: {
      name: 'PulledMessage',
      is: (value): value is PulledMessage =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as PulledMessage).ackId === 'string' &&
        typeof (value as PulledMessage).messageId === 'string' &&
        (value as PulledMessage).data instanceof Uint8Array &&
        typeof (value as PulledMessage).publishTime === 'number' &&
        typeof (value as PulledMessage).deliveryAttempt === 'number',
    },
  },
  consumeNative: async (broker, queue) => {
    const message = await pullOne(broker.native<PubSub>(), queue);
    return message && { body: new Uint8Array(message.data), headers: message.attributes };
  },
};

runConformance(harness, { describe, it, skip: it.skip, afterAll });

afterAll(() => deleteProject(project), 60_000);
