import { VirtualClock } from '@polyqueue/core';
import type { OutgoingMessage, QueueTopology } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { createServiceBusDriver } from '../src/index.js';
import { FakeBusClient } from './fake/fake-bus-client.js';
import { FakeServiceBus } from './fake/fake-service-bus.js';

const topology: QueueTopology = { name: 'jobs', deadLetterName: 'jobs.dlq', leaseMs: 30_000, maxAttempts: 3 };
const WINDOW_MS = 60_000;

function job(id: string, dedupId?: string): OutgoingMessage {
  return {
    body: Buffer.from('{}'),
    attributes: {},
    meta: { id, enqueuedAt: 0, attemptOffset: 0, ...(dedupId !== undefined ? { dedupId } : {}) },
  };
}

async function setup() {
  const clock = new VirtualClock();
  const bus = new FakeServiceBus(clock);
  const driver = createServiceBusDriver({ bus: new FakeBusClient(bus), clock }, { dedupWindowMs: WINDOW_MS });
  await driver.provision(topology);
  return { bus, clock, driver };
}

describe('servicebus send with duplicate detection (fake namespace)', () => {
  it('a repeated dedupId is answered with the kept job’s id, in a later call or the same batch (U1)', async () => {
    const { bus, driver } = await setup();
    expect(await driver.send(topology, [job('a', 'd1')])).toEqual([{ ok: true }]);
    expect(await driver.send(topology, [job('b', 'd1'), job('c', 'd2'), job('e', 'd2')])).toEqual([
      { ok: true, duplicateOf: 'a' },
      { ok: true },
      { ok: true, duplicateOf: 'c' },
    ]);
    // Service Bus kept exactly the jobs whose ids were returned.
    expect(bus.peek('jobs', undefined, 0, 10).map((m) => m.applicationProperties?.['pq-id'])).toEqual([
      'a',
      'c',
    ]);
  });

  it('after the window the same dedupId is a new job, with its own id', async () => {
    const { bus, clock, driver } = await setup();
    await driver.send(topology, [job('a', 'd1')]);
    await clock.advance(WINDOW_MS);
    expect(await driver.send(topology, [job('b', 'd1')])).toEqual([{ ok: true }]);
    expect(bus.peek('jobs', undefined, 0, 10).map((m) => m.applicationProperties?.['pq-id'])).toEqual([
      'a',
      'b',
    ]);
  });

  it('a send that failed is not remembered: its retry is not taken for a duplicate', async () => {
    const { driver } = await setup();
    await expect(driver.send({ ...topology, name: 'absent' }, [job('a', 'd1')])).rejects.toThrow();
    await driver.provision({ ...topology, name: 'absent' });
    expect(await driver.send({ ...topology, name: 'absent' }, [job('b', 'd1')])).toEqual([{ ok: true }]);
  });
});
