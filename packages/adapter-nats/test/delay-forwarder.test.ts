import type { BackgroundError, QueueTopology } from '@polyqueue/core/driver';
import { expect, it } from 'vitest';
import { delayForwarder } from '../src/delay-forwarder.js';
import { queueNames } from '../src/nats-names.js';
import { DEFAULT_SETTINGS } from '../src/nats-options.js';
import { queueContext } from '../src/queue-context.js';
import { clockAt, collecting, PullingClient, received } from './fake-client.js';

const NOW = 1_900_000_000_000;
const topology: QueueTopology = {
  name: 'emails',
  deadLetterName: 'emails.dlq',
  leaseMs: 30_000,
  maxAttempts: 3,
};
const { subject, stream, delaySubject, delayStream } = queueNames('pq', 'emails');
const due = { 'pq-not-before': String(NOW - 1) };

async function setup() {
  const client = new PullingClient();
  await client.ensureStream({ name: stream, subject, duplicateWindowMs: 60_000 });
  await client.ensureStream({ name: delayStream, subject: delaySubject, duplicateWindowMs: 60_000 });
  const reports: BackgroundError[] = [];
  const queue = queueContext(
    {
      client,
      settings: DEFAULT_SETTINGS,
      clock: clockAt(NOW),
      alive: () => true,
      errors: collecting(reports),
    },
    topology,
  );
  const forwarder = delayForwarder(queue);
  forwarder.start();
  await until(() => client.pulls.length > 0 && client.pulls[0]!.waitedOn);
  return { client, reports, forwarder, pull: client.pulls[0]! };
}

it('forwards what a pull brought before it failed, then reports the failure (forward-pull)', async () => {
  const { client, reports, forwarder, pull } = await setup();
  const failure = Object.assign(new Error('consumer deleted'), { code: 409 });
  pull.feed(received(client, { seq: 1, headers: due }));
  pull.feed(received(client, { seq: 2, headers: due }));
  pull.fail(failure);
  await until(() => reports.length > 0 && client.log.includes('ack #2'));
  await forwarder.stop('graceful');
  expect(client.log.filter((line) => line.startsWith('ack'))).toEqual(['ack #1', 'ack #2']);
  expect(reports[0]).toEqual({ action: 'forward-pull', queue: 'emails', error: failure });
});

it('hands back at once (a NAK without delay) what arrives while it stops, for another forwarder to take', async () => {
  const { client, forwarder, pull } = await setup();
  pull.feed(received(client, { seq: 7, headers: { 'pq-not-before': String(NOW + 60_000) } }));
  await until(() => client.log.includes('nak #7 60000'));
  // Arrives in the open pull as the stop begins.
  pull.feed(received(client, { seq: 8, headers: due }));
  await forwarder.stop('graceful');
  expect(client.log).toContain('nak #8');
  expect(client.log).not.toContain('ack #8');
});

/** Polls a condition the code under test reaches asynchronously; bounded (2 s). */
async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
}
