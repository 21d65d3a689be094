import { ConfigError, connect, QueueNotFoundError, VirtualClock } from '@polyqueue/core';
import type { DeadLetterRecord, QueueTopology } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { createServiceBusDriver } from '../src/index.js';
import { FakeBusClient } from './fake/fake-bus-client.js';
import { FakeServiceBus, STANDARD_MAX_MESSAGE_BYTES } from './fake/fake-service-bus.js';

const topology: QueueTopology = { name: 'jobs', deadLetterName: 'jobs.dlq', leaseMs: 30_000, maxAttempts: 3 };

const record: DeadLetterRecord = {
  reason: 'failed',
  errorName: 'Error',
  errorMessage: 'm'.repeat(2_000),
  errorStack: 's'.repeat(2_000),
  attempts: 3,
  sourceQueue: 'jobs',
  failedAt: 1_700_000_000_000,
};

async function setup(options: { dedupWindowMs?: number } = {}) {
  const clock = new VirtualClock();
  const bus = new FakeServiceBus(clock);
  const driver = createServiceBusDriver({ bus: new FakeBusClient(bus), clock }, options);
  await driver.provision(topology);
  return { bus, driver };
}

async function receiveOne(driver: ReturnType<typeof createServiceBusDriver>) {
  const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 1 });
  const [delivery] = await receiver.receive(1, new AbortController().signal);
  await receiver.close();
  if (!delivery) throw new Error('nothing received');
  return delivery;
}

/** A foreign producer's message whose body and properties total `size` bytes, as the fake counts them. */
function sendForeign(bus: FakeServiceBus, size: number) {
  const properties = { tenant: 't1' };
  bus.send('jobs', [
    {
      body: Buffer.alloc(size - 'tenant'.length - 't1'.length),
      messageId: 'foreign-1',
      applicationProperties: properties,
    },
  ]);
}

describe('servicebus dead letters at the edges (fake namespace)', () => {
  it('issue 11 §6.3: a foreign message exactly at the 256 KB limit, failing, still reaches the dead-letter sub-queue', async () => {
    const { bus, driver } = await setup();
    sendForeign(bus, STANDARD_MAX_MESSAGE_BYTES);
    const delivery = await receiveOne(driver);
    await delivery.deadLetter(record);
    const [dead] = bus.peek('jobs', 'deadLetter', 0, 10);
    expect(dead?.messageId).toBe('foreign-1');
    // Nothing could be added beside it: no reason, no record, its own properties intact.
    expect(dead?.applicationProperties).toEqual({ tenant: 't1' });
    expect(bus.peek('jobs', undefined, 0, 10)).toEqual([]);
  });

  it('issue 11 §6.3: near the limit the reasons and source are kept, the error text cut to fit', async () => {
    const { bus, driver } = await setup();
    sendForeign(bus, STANDARD_MAX_MESSAGE_BYTES - 600);
    const delivery = await receiveOne(driver);
    await delivery.deadLetter(record);
    const [dead] = bus.peek('jobs', 'deadLetter', 0, 10);
    expect(dead?.deadLetterReason).toBe('failed');
    expect(dead?.applicationProperties).toMatchObject({
      'pq-dl-reason': 'failed',
      'pq-dl-source-queue': 'jobs',
    });
    expect(dead?.applicationProperties?.['pq-dl-error-stack']).toBeUndefined();
    const [peeked] = await driver.deadLetters(topology).peek(1);
    expect(peeked?.record).toMatchObject({ reason: 'failed', sourceQueue: 'jobs', attempts: 3 });
  });

  it('issue 11 §6.3: a message well under the limit keeps the whole record', async () => {
    const { bus, driver } = await setup();
    sendForeign(bus, 1_000);
    await (await receiveOne(driver)).deadLetter(record);
    const [peeked] = await driver.deadLetters(topology).peek(1);
    expect(peeked?.record).toEqual(record);
  });

  it('issue 11 §6.5: peek, redrive and purge of a queue that does not exist (provision off) throw QueueNotFoundError', async () => {
    const bus = new FakeServiceBus(new VirtualClock());
    const broker = await connect({
      driver: createServiceBusDriver({ bus: new FakeBusClient(bus) }),
      provision: false,
    });
    try {
      const queue = broker.queue('absent');
      await expect(queue.deadLetters.peek(10)).rejects.toBeInstanceOf(QueueNotFoundError);
      await expect(queue.deadLetters.redrive()).rejects.toBeInstanceOf(QueueNotFoundError);
      await expect(queue.deadLetters.purge()).rejects.toBeInstanceOf(QueueNotFoundError);
    } finally {
      await broker.close();
    }
  });

  it('issue 11 §6.6: redrive resends a job once when its dead letter is there twice, and removes the repeat', async () => {
    const { bus, driver } = await setup();
    // Two copies of one job (a retry copy scheduled twice, no duplicate detection), both dead-lettered.
    for (const messageId of ['twice:retry:1', 'twice:retry:2', 'once']) {
      const id = messageId.split(':')[0]!;
      bus.send('jobs', [
        { body: Buffer.from('{}'), messageId, applicationProperties: { 'pq-id': id, 'pq-enqueued-at': 1 } },
      ]);
      await (await receiveOne(driver)).deadLetter(record);
    }
    expect(bus.peek('jobs', 'deadLetter', 0, 10)).toHaveLength(3);
    expect(await driver.deadLetters(topology).redrive({})).toBe(2);
    const back = bus
      .peek('jobs', undefined, 0, 10)
      .map((message) => message.applicationProperties?.['pq-id']);
    expect(back.sort()).toEqual(['once', 'twice']);
    expect(bus.peek('jobs', 'deadLetter', 0, 10)).toEqual([]);
  });

  it('issue 11 §6.6: a redrive copy has a messageId from the job id and the dead letter, so a repeated resend is dropped', async () => {
    const { bus, driver } = await setup({ dedupWindowMs: 600_000 });
    bus.send('jobs', [
      {
        body: Buffer.from('{}'),
        messageId: 'm',
        applicationProperties: { 'pq-id': 'job-7', 'pq-enqueued-at': 1 },
      },
    ]);
    await (await receiveOne(driver)).deadLetter(record);
    const [dead] = bus.peek('jobs', 'deadLetter', 0, 1);
    // The same dead letter redriven twice (a crash between resend and complete) yields one message.
    await driver.deadLetters(topology).redrive({});
    bus.send('jobs', [
      { body: Buffer.from('{}'), messageId: `job-7:redrive:${dead!.sequenceNumber!.toString()}` },
    ]);
    expect(bus.peek('jobs', undefined, 0, 10)).toHaveLength(1);
  });

  it('issue 11 §5.5: refuses queue names with capitals: Service Bus names are case-insensitive', async () => {
    const { driver } = await setup();
    await expect(driver.provision({ ...topology, name: 'Jobs' })).rejects.toBeInstanceOf(ConfigError);
    await expect(driver.provision({ ...topology, name: 'Jobs' })).rejects.toThrow(/"Jobs".*"jobs"/);
    await expect(driver.send({ ...topology, name: 'JOBS' }, [])).rejects.toBeInstanceOf(ConfigError);
    // . _ - stay apart: three queues.
    for (const name of ['a.b', 'a_b', 'a-b']) await driver.provision({ ...topology, name });
    expect(new Set(['a.b', 'a_b', 'a-b'].map((name) => driver.nativeName(name))).size).toBe(3);
  });
});
