import { ConfigError, connect, ErrorCode } from '@polyqueue/core';
import type { OutgoingMessage, QueueTopology } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { createPubSubDriver } from '../src/pubsub-adapter.js';
import type { PulledMessage } from '../src/pubsub-client.js';
import { pubsubErrorCode } from '../src/pubsub-errors.js';
import { FakePubSubApi, grpcError } from './fake-api.js';

const topology: QueueTopology = { name: 'jobs', deadLetterName: 'jobs.dlq', leaseMs: 10_000, maxAttempts: 3 };

function message(meta: Partial<OutgoingMessage['meta']> = {}): OutgoingMessage {
  return {
    body: new TextEncoder().encode('{"n":1}'),
    attributes: { tenant: 't1' },
    meta: { id: 'job-1', enqueuedAt: 1_000, attemptOffset: 0, ...meta },
  };
}

async function setup(options: { deadLetterPolicy?: boolean } = {}) {
  const api = new FakePubSubApi();
  const driver = createPubSubDriver({ api, ...options });
  await driver.provision(topology);
  return { api, driver };
}

async function receiveOne(driver: ReturnType<typeof createPubSubDriver>) {
  const receiver = driver.receiver(topology, { leaseMs: 10_000, maxUnsettled: 10 });
  const [delivery] = await receiver.receive(1, new AbortController().signal);
  await receiver.close();
  if (!delivery) throw new Error('nothing received');
  return delivery;
}

describe('pubsub mapping (fake client)', () => {
  it('provisions the work, ready, delay and dead-letter topics and subscriptions, idempotently', async () => {
    const { api, driver } = await setup();
    await driver.provision(topology); // a second process: ALREADY_EXISTS everywhere, no error
    const names = ['jobs', 'jobs.delay', 'jobs.dlq', 'jobs.ready'];
    expect([...api.topics].sort()).toEqual(names);
    expect([...api.subscriptions.keys()].sort()).toEqual(names);
    const work = api.subscriptions.get('jobs')!.settings;
    expect(work.ackDeadlineSeconds).toBe(10);
    // The native safety net sits above maxAttempts, within Pub/Sub's 5-100.
    expect(work.deadLetterPolicy).toEqual({
      deadLetterTopic: 'projects/fake/topics/jobs.dlq',
      maxDeliveryAttempts: 5,
    });
    // Workers pull the ready subscription alike: same lease, same safety net.
    expect(api.subscriptions.get('jobs.ready')!).toMatchObject({ topic: 'jobs.ready', settings: work });
  });

  it('gives a queue provisioned without a ready topic and subscription (an older version) the pair', async () => {
    const api = new FakePubSubApi();
    for (const name of ['jobs', 'jobs.delay', 'jobs.dlq']) {
      await api.createTopic(name);
      await api.createSubscription(name, name, { ackDeadlineSeconds: 10 });
    }
    const driver = createPubSubDriver({ api });
    await driver.provision(topology);
    expect(api.topics.has('jobs.ready')).toBe(true);
    expect(api.subscriptions.get('jobs.ready')?.topic).toBe('jobs.ready');
    // What existed is left as it was (provisioning never updates a subscription).
    expect(api.subscriptions.get('jobs')!.settings.deadLetterPolicy).toBeUndefined();
  });

  it('leaves the dead-letter policy off when asked', async () => {
    const { api } = await setup({ deadLetterPolicy: false });
    expect(api.subscriptions.get('jobs')!.settings.deadLetterPolicy).toBeUndefined();
  });

  it('publishes due jobs to the work topic and delayed ones to the delay topic, in input order', async () => {
    const { api, driver } = await setup();
    const outcomes = await driver.send(topology, [
      message({ id: 'now' }),
      message({ id: 'later', notBefore: Date.now() + 60_000 }),
    ]);
    expect(outcomes).toEqual([{ ok: true }, { ok: true }]);
    const [now] = api.messagesOf('jobs');
    const [later] = api.messagesOf('jobs.delay');
    expect(now!.attributes).toMatchObject({ tenant: 't1', 'pq-id': 'now', 'pq-enqueued-at': '1000' });
    expect(later!.attributes['pq-id']).toBe('later');
    expect(Number(later!.attributes['pq-not-before'])).toBeGreaterThan(Date.now());
  });

  it('reports a missing topic per message, as NotFound', async () => {
    const api = new FakePubSubApi();
    const driver = createPubSubDriver({ api });
    const [outcome] = await driver.send(topology, [message()]);
    expect(outcome?.ok).toBe(false);
    expect(driver.errorCode(outcome?.ok === false ? outcome.error : undefined)).toBe(ErrorCode.NotFound);
  });

  it('decodes a delivery: user attributes, metadata, native message', async () => {
    const { driver } = await setup();
    await driver.send(topology, [message({ attemptOffset: 2 })]);
    const delivery = await receiveOne(driver);
    expect(delivery.attributes).toEqual({ tenant: 't1' });
    expect(delivery.meta).toMatchObject({ id: 'job-1', attemptOffset: 2, enqueuedAt: 1_000 });
    expect(delivery.deliveryCount).toBe(1);
    expect((delivery.native as PulledMessage).messageId).toMatch(/^m/);
  });

  it('retry publishes a copy carrying the attempt count to the delay path, then acks', async () => {
    const { api, driver } = await setup();
    await driver.send(topology, [message()]);
    const delivery = await receiveOne(driver);
    api.calls.length = 0;
    await delivery.retry(5_000, 1);
    expect(api.calls).toEqual(['publish jobs.delay', `ack jobs ${(delivery.native as PulledMessage).ackId}`]);
    const [copy] = api.messagesOf('jobs.delay');
    expect(copy!.attributes).toMatchObject({ 'pq-id': 'job-1', 'pq-attempt-offset': '1', tenant: 't1' });
    expect(api.messagesOf('jobs')).toHaveLength(0);
  });

  it('retry without a backoff goes straight to the ready topic, not the work topic', async () => {
    const { api, driver } = await setup();
    await driver.send(topology, [message()]);
    const delivery = await receiveOne(driver);
    api.calls.length = 0;
    await delivery.retry(0, 2);
    expect(api.calls).toEqual(['publish jobs.ready', `ack jobs ${(delivery.native as PulledMessage).ackId}`]);
    const [copy] = api.messagesOf('jobs.ready');
    expect(copy!.attributes['pq-attempt-offset']).toBe('2');
    expect(copy!.attributes['pq-not-before']).toBeUndefined();
    expect(api.messagesOf('jobs')).toHaveLength(0);
  });

  it('another subscription of the work topic sees each job once, however often it is retried', async () => {
    const { api, driver } = await setup();
    await api.createSubscription('audit', 'jobs', { ackDeadlineSeconds: 10 });
    await driver.send(topology, [message()]);
    const first = await receiveOne(driver);
    await first.retry(0, 1);
    const second = await receiveOne(driver);
    expect(second.meta).toMatchObject({ id: 'job-1', attemptOffset: 1 });
    await second.retry(0, 2);
    const third = await receiveOne(driver);
    await third.ack();
    expect(api.messagesOf('audit').map((seen) => seen.attributes['pq-id'])).toEqual(['job-1']);
    expect(api.messagesOf('jobs')).toHaveLength(0);
    expect(api.messagesOf('jobs.ready')).toHaveLength(0);
  });

  it('settles a delivery of the ready subscription on the ready subscription', async () => {
    const { api, driver } = await setup();
    await driver.send(topology, [message()]);
    await (await receiveOne(driver)).retry(0, 1);
    const retried = await receiveOne(driver);
    const ackId = (retried.native as PulledMessage).ackId;
    api.calls.length = 0;
    await retried.extendLease(10_000);
    await retried.ack();
    expect(api.calls).toEqual([`modack jobs.ready ${ackId} 10`, `ack jobs.ready ${ackId}`]);
  });

  it('a retry whose publish fails does not ack: the original stays', async () => {
    const { api, driver } = await setup();
    await driver.send(topology, [message()]);
    const delivery = await receiveOne(driver);
    api.failPublishTo.add('jobs.delay');
    await expect(delivery.retry(1_000, 1)).rejects.toMatchObject({ code: 14 });
    expect(api.calls.some((call) => call.startsWith('ack jobs '))).toBe(false);
    expect(api.messagesOf('jobs')).toHaveLength(1);
  });

  it('dead-letters with the error metadata (values cut to 1,024 bytes), then acks', async () => {
    const { api, driver } = await setup();
    await driver.send(topology, [message()]);
    const delivery = await receiveOne(driver);
    api.calls.length = 0;
    await delivery.deadLetter({
      reason: 'failed',
      errorName: 'Error',
      errorMessage: 'boom',
      errorStack: 'é'.repeat(2_000),
      attempts: 3,
      sourceQueue: 'jobs',
      failedAt: 42,
    });
    expect(api.calls[0]).toBe('publish jobs.dlq');
    expect(api.calls[1]).toMatch(/^ack jobs /);
    const [dead] = api.messagesOf('jobs.dlq');
    expect(dead!.attributes).toMatchObject({
      tenant: 't1',
      'pq-id': 'job-1',
      'pq-dl-reason': 'failed',
      'pq-dl-error-message': 'boom',
      'pq-dl-attempts': '3',
      'pq-dl-source-queue': 'jobs',
      'pq-dl-failed-at': '42',
    });
    expect(Buffer.byteLength(dead!.attributes['pq-dl-error-stack']!)).toBeLessThanOrEqual(1_024);
  });

  it('release nacks; extendLease sets the deadline in whole seconds; a second settlement is a no-op', async () => {
    const { api, driver } = await setup();
    await driver.send(topology, [message()]);
    const delivery = await receiveOne(driver);
    const ackId = (delivery.native as PulledMessage).ackId;
    api.calls.length = 0;
    await delivery.extendLease(1_500);
    await delivery.release();
    await delivery.ack();
    await delivery.release();
    expect(api.calls).toEqual([`modack jobs ${ackId} 2`, `modack jobs ${ackId} 0`]);
  });

  it('counts a redelivery to the same connection as a new attempt, but not a release', async () => {
    const { api, driver } = await setup();
    await driver.send(topology, [message()]);
    const first = await receiveOne(driver);
    await first.release();
    const second = await receiveOne(driver);
    expect(second.deliveryCount).toBe(1);
    // Lease lapses (simulated) without a settlement: the next delivery is attempt 2.
    await api.modifyAckDeadline('jobs', [(second.native as PulledMessage).ackId], 0);
    const third = await receiveOne(driver);
    expect(third.deliveryCount).toBe(2);
  });

  it('settlements after an abandoned close do nothing', async () => {
    const { api, driver } = await setup();
    await driver.send(topology, [message()]);
    const delivery = await receiveOne(driver);
    await driver.close('abandon');
    api.calls.length = 0;
    await delivery.ack();
    expect(api.calls).toEqual([]);
  });

  it("redrive publishes to the source queue's ready topic with attempts reset and dead-letter fields removed, then acks", async () => {
    const { api, driver } = await setup();
    await api.publish('jobs.dlq', [
      {
        data: new Uint8Array([1]),
        attributes: {
          'pq-id': 'j',
          'pq-enqueued-at': '5',
          'pq-attempt-offset': '2',
          'pq-dl-reason': 'failed',
          'pq-dl-source-queue': 'jobs',
          CloudPubSubDeadLetterSourceDeliveryCount: '6',
          tenant: 't',
        },
      },
    ]);
    const store = driver.deadLetters(topology);
    expect((await store.peek(10)).map((letter) => letter.record?.reason)).toEqual(['failed']);
    expect(await store.redrive({})).toBe(1);
    expect(api.messagesOf('jobs.dlq')).toHaveLength(0);
    // To the ready topic: the work topic's other subscribers saw the job when it was sent.
    expect(api.messagesOf('jobs')).toHaveLength(0);
    const [back] = api.messagesOf('jobs.ready');
    expect(back!.attributes).toEqual({ 'pq-id': 'j', 'pq-enqueued-at': '5', tenant: 't' });
  });

  it('maps gRPC status codes into the closed set', () => {
    expect(pubsubErrorCode(grpcError(5, 'x'))).toBe(ErrorCode.NotFound);
    expect(pubsubErrorCode(grpcError(6, 'x'))).toBe(ErrorCode.AlreadyExists);
    expect(pubsubErrorCode(grpcError(7, 'x'))).toBe(ErrorCode.PermissionDenied);
    expect(pubsubErrorCode(grpcError(16, 'x'))).toBe(ErrorCode.PermissionDenied);
    expect(pubsubErrorCode(grpcError(8, 'x'))).toBe(ErrorCode.ResourceExhausted);
    expect(pubsubErrorCode(grpcError(14, 'x'))).toBe(ErrorCode.Unavailable);
    expect(pubsubErrorCode(grpcError(4, 'x'))).toBe(ErrorCode.DeadlineExceeded);
    expect(pubsubErrorCode(grpcError(3, 'x'))).toBe(ErrorCode.InvalidArgument);
    expect(pubsubErrorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(
      ErrorCode.Unavailable,
    );
    // The kit's one network table: a socket timeout is an unreachable peer, found through `cause`.
    const timedOut = new Error('x', { cause: Object.assign(new Error('y'), { code: 'ETIMEDOUT' }) });
    expect(pubsubErrorCode(timedOut)).toBe(ErrorCode.Unavailable);
    expect(pubsubErrorCode(new Error('x'))).toBe(ErrorCode.Unknown);
  });

  it('refuses a queue whose native name Pub/Sub would reject', async () => {
    const api = new FakePubSubApi();
    const driver = createPubSubDriver({ api });
    await expect(
      driver.provision({ ...topology, name: '1x', deadLetterName: '1x.dlq' }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses a queue or dead-letter name ending in .ready or .delay: it would be another queue’s topic (issue 11 §5.5)', async () => {
    const api = new FakePubSubApi();
    const driver = createPubSubDriver({ api });
    await driver.provision(topology);
    for (const name of ['jobs.ready', 'jobs.delay']) {
      const refused = driver.provision({ ...topology, name, deadLetterName: `${name}-dlq` });
      await expect(refused).rejects.toBeInstanceOf(ConfigError);
      await expect(refused).rejects.toThrow(/queue "jobs"/);
      await expect(
        driver.send({ ...topology, name, deadLetterName: 'other' }, [message()]),
      ).rejects.toBeInstanceOf(ConfigError);
    }
    await expect(driver.provision({ ...topology, name: 'x', deadLetterName: 'jobs.ready' })).rejects.toThrow(
      /dead-letter queue name "jobs.ready"/,
    );
    // Nothing of the refused names was created, and jobs' own ready topic is untouched.
    expect([...api.topics].sort()).toEqual(['jobs', 'jobs.delay', 'jobs.dlq', 'jobs.ready']);
  });

  it('keeps names that differ only by . _ - apart: every entity of each is its own', async () => {
    const api = new FakePubSubApi();
    const driver = createPubSubDriver({ api });
    const names = ['a.b', 'a_b', 'a-b'];
    for (const name of names) await driver.provision({ ...topology, name, deadLetterName: `${name}.dlq` });
    // 3 queues x (work, ready, delay, dlq): 12 distinct topics, none shared.
    expect(api.topics.size).toBe(12);
    await driver.send({ ...topology, name: 'a_b', deadLetterName: 'a_b.dlq' }, [message()]);
    expect(api.messagesOf('a_b')).toHaveLength(1);
    expect(api.messagesOf('a.b')).toHaveLength(0);
    expect(api.messagesOf('a-b')).toHaveLength(0);
  });
});

describe('pubsub:// URL', () => {
  it('needs a project and validates its parameters by name', async () => {
    await expect(connect('pubsub://')).rejects.toThrow(/project/);
    await expect(connect('pubsub://p?min_lease_ms=5')).rejects.toThrow(/min_lease_ms/);
    await expect(connect('pubsub://p?dead_letter_policy=yes')).rejects.toThrow(/dead_letter_policy/);
    await expect(connect('pubsub://p?emulator_host=nope')).rejects.toThrow(/emulator_host/);
    await expect(connect('pubsub://p?bogus=1')).rejects.toThrow(/bogus/);
    // The kit's one set of spellings: decimal integers only, booleans true/false/1/0.
    await expect(connect('pubsub://p?min_lease_ms=1e4')).rejects.toThrow(/min_lease_ms/);
    await expect(connect('pubsub://p?dead_letter_policy=TRUE')).rejects.toThrow(/dead_letter_policy/);
  });

  it('reads dead_letter_policy as 1 or 0 too, like every adapter', async () => {
    for (const [value, expected] of [
      ['1', true],
      ['0', false],
      ['true', true],
      ['false', false],
    ] as const) {
      const broker = await connect(`pubsub://p?emulator_host=127.0.0.1:1&dead_letter_policy=${value}`);
      expect(broker.capabilities.nativeDeadLetter).toBe(expected);
      await broker.close();
    }
  });

  it('declares the minimum lease it was given', async () => {
    const broker = await connect(
      'pubsub://p?emulator_host=127.0.0.1:1&min_lease_ms=1000&dead_letter_policy=false',
    );
    expect(broker.capabilities.lease.minMs).toBe(1_000);
    expect(broker.capabilities.nativeDeadLetter).toBe(false);
    await broker.close();
  });
});
