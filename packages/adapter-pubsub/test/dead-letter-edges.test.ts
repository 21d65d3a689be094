import { connect, QueueNotFoundError } from '@polyqueue/core';
import type { DeadLetterRecord, QueueTopology } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { createPubSubDriver } from '../src/pubsub-adapter.js';
import { FAKE_LIMITS, FakePubSubApi } from './fake-api.js';

const topology: QueueTopology = { name: 'jobs', deadLetterName: 'jobs.dlq', leaseMs: 10_000, maxAttempts: 3 };

const record: DeadLetterRecord = {
  reason: 'failed',
  errorName: 'Error',
  errorMessage: 'm'.repeat(2_000),
  errorStack: 's'.repeat(5_000),
  attempts: 3,
  sourceQueue: 'jobs',
  failedAt: 1_700_000_000_000,
};

async function setup() {
  const api = new FakePubSubApi();
  const driver = createPubSubDriver({ api });
  await driver.provision(topology);
  return { api, driver };
}

/** Publishes a foreign message (no polyqueue attributes) whose data plus attributes total `size` bytes. */
async function publishForeign(api: FakePubSubApi, size: number, attributes: Record<string, string> = {}) {
  let attributeBytes = 0;
  for (const [name, value] of Object.entries(attributes)) attributeBytes += name.length + value.length;
  const [outcome] = await api.publish('jobs', [{ data: new Uint8Array(size - attributeBytes), attributes }]);
  expect(outcome?.ok).toBe(true);
}

async function receiveOne(driver: ReturnType<typeof createPubSubDriver>) {
  const receiver = driver.receiver(topology, { leaseMs: 10_000, maxUnsettled: 1 });
  const [delivery] = await receiver.receive(1, new AbortController().signal);
  await receiver.close();
  if (!delivery) throw new Error('nothing received');
  return delivery;
}

describe('pubsub dead letters at the edges (fake client with Pub/Sub limits)', () => {
  it('issue 11 §6.3: a foreign message exactly at the 10 MB limit, failing, still reaches the dead-letter queue', async () => {
    const { api, driver } = await setup();
    await publishForeign(api, FAKE_LIMITS.messageBytes, { tenant: 't1' });
    const delivery = await receiveOne(driver);
    await delivery.deadLetter(record);
    const [dead] = api.messagesOf('jobs.dlq');
    expect(dead?.data.byteLength).toBe(FAKE_LIMITS.messageBytes - 'tenant'.length - 't1'.length);
    // Its own attributes are kept whole; no room was left for polyqueue's.
    expect(dead?.attributes).toEqual({ tenant: 't1' });
    expect(api.messagesOf('jobs')).toEqual([]);
  });

  it('issue 11 §6.3: near the limit the record keeps its reason and source; the error text is cut to fit', async () => {
    const { api, driver } = await setup();
    await publishForeign(api, FAKE_LIMITS.messageBytes - 400);
    const delivery = await receiveOne(driver);
    await delivery.deadLetter(record);
    const [dead] = api.messagesOf('jobs.dlq');
    expect(dead).toBeDefined();
    const attributes = dead!.attributes;
    expect(attributes['pq-dl-reason']).toBe('failed');
    expect(attributes['pq-dl-source-queue']).toBe('jobs');
    expect(attributes['pq-id']).toBe(delivery.meta.id);
    expect(attributes['pq-dl-error-stack']).toBeUndefined();
    let size = dead!.data.byteLength;
    for (const [name, value] of Object.entries(attributes))
      size += Buffer.byteLength(name) + Buffer.byteLength(value);
    expect(size).toBeLessThanOrEqual(FAKE_LIMITS.messageBytes);
    // The store reads it back as a dead letter with its record.
    const [peeked] = await driver.deadLetters(topology).peek(1);
    expect(peeked?.record).toMatchObject({ reason: 'failed', sourceQueue: 'jobs' });
  });

  it('issue 11 §6.5: peek, redrive and purge of a dead-letter queue that does not exist (provision off) throw QueueNotFoundError', async () => {
    const api = new FakePubSubApi();
    const broker = await connect({ driver: createPubSubDriver({ api }), provision: false });
    try {
      const queue = broker.queue('absent');
      await expect(queue.deadLetters.peek(10)).rejects.toBeInstanceOf(QueueNotFoundError);
      await expect(queue.deadLetters.redrive()).rejects.toBeInstanceOf(QueueNotFoundError);
      await expect(queue.deadLetters.purge()).rejects.toBeInstanceOf(QueueNotFoundError);
    } finally {
      await broker.close();
    }
  });

  it('issue 11 §6.6: redrive moves a job once when its dead letter is there twice, and removes the duplicate', async () => {
    const { api, driver } = await setup();
    // One job dead-lettered twice (a worker killed between publish and ack does this), plus another.
    for (const id of ['twice', 'twice', 'once']) {
      const [outcome] = await api.publish('jobs.dlq', [
        {
          data: new Uint8Array([1]),
          attributes: {
            'pq-id': id,
            'pq-enqueued-at': '1',
            'pq-dl-reason': 'failed',
            'pq-dl-source-queue': 'jobs',
          },
        },
      ]);
      expect(outcome?.ok).toBe(true);
    }
    expect(await driver.deadLetters(topology).redrive({})).toBe(2);
    expect(
      api
        .messagesOf('jobs.ready')
        .map((m) => m.attributes['pq-id'])
        .sort(),
    ).toEqual(['once', 'twice']);
    expect(api.messagesOf('jobs.dlq')).toEqual([]);
  });
});
