import { VirtualClock } from '@polyqueue/core';
import type { QueueTopology } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { HeldDeadLetters } from '../src/held-dead-letters.js';
import { createServiceBusDriver } from '../src/index.js';
import { FakeBusClient } from './fake/fake-bus-client.js';
import { FakeServiceBus } from './fake/fake-service-bus.js';

/** Lock duration = lease: 30 s. */
const topology: QueueTopology = { name: 'jobs', deadLetterName: 'jobs.dlq', leaseMs: 30_000, maxAttempts: 3 };

/** Two letters in the dead-letter sub-queue, then received (locked) by a dead-letter receiver. */
async function lockedLetters() {
  const clock = new VirtualClock();
  const bus = new FakeServiceBus(clock);
  const client = new FakeBusClient(bus);
  await createServiceBusDriver({ bus: client, clock }).provision(topology);
  bus.send('jobs', [
    { body: 'a', messageId: 'a' },
    { body: 'b', messageId: 'b' },
  ]);
  const work = client.receiver('jobs');
  for (const message of await work.receiveMessages(2, { maxWaitTimeInMs: 0 }))
    await work.deadLetterMessage(message);
  const receiver = client.receiver('jobs', { subQueue: 'deadLetter' });
  const letters = await receiver.receiveMessages(2, { maxWaitTimeInMs: 0 });
  expect(letters).toHaveLength(2);
  /** What another receiver of the sub-queue can take now: nothing while the letters are held. */
  const takeable = async () => {
    const other = client.receiver('jobs', { subQueue: 'deadLetter' });
    const taken = await other.receiveMessages(2, { maxWaitTimeInMs: 0 });
    for (const message of taken) await other.abandonMessage(message);
    return taken.length;
  };
  return { clock, receiver, letters, takeable };
}

describe('HeldDeadLetters: dead letters a selecting redrive holds stay locked past their lock duration', () => {
  it('renews each lock with a third of it left, for as long as they are held, and no longer', async () => {
    const { clock, receiver, letters, takeable } = await lockedLetters();
    const held = new HeldDeadLetters(receiver, clock);
    held.add(letters);
    for (let s = 0; s < 5; s++) await clock.advance(30_000); // five lock durations
    expect(await takeable()).toBe(0);
    held.check();
    held.stop();
    await clock.advance(30_000);
    expect(await takeable()).toBe(2);
  });

  it('a letter released (completed or abandoned) is not renewed', async () => {
    const { clock, receiver, letters, takeable } = await lockedLetters();
    const held = new HeldDeadLetters(receiver, clock);
    held.add(letters);
    held.release([letters[0]!]);
    await clock.advance(45_000);
    expect(await takeable()).toBe(1);
    held.stop();
  });

  it('a renewal that fails ends the call at its next check, with the native error', async () => {
    const { clock, receiver, letters } = await lockedLetters();
    const lost = new Error('lock lost');
    const failing = Object.assign(Object.create(receiver) as typeof receiver, {
      renewMessageLock: async () => {
        throw lost;
      },
    });
    const held = new HeldDeadLetters(failing, clock);
    held.add(letters);
    held.check();
    await clock.advance(25_000);
    expect(() => held.check()).toThrow(lost);
    held.stop();
  });
});
