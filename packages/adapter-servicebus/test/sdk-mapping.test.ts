import { ErrorCode } from '@polyqueue/core';
import type { OutgoingMessage, QueueTopology } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { createServiceBusDriver, ManageRightRequiredError, serviceBusErrorCode } from '../src/index.js';
import { type Call, receivedMessage, stubAdmin, stubClient } from './sdk-stubs.js';

const topology: QueueTopology = {
  name: 'emails',
  deadLetterName: 'emails.dlq',
  leaseMs: 30_000,
  maxAttempts: 5,
};

function outgoing(meta: Partial<OutgoingMessage['meta']> = {}): OutgoingMessage {
  return {
    body: new TextEncoder().encode('{"to":"a@b.c"}'),
    attributes: { tenant: 't-1' },
    meta: { id: 'job-1', attemptOffset: 0, enqueuedAt: 1_000, ...meta },
  };
}

/** A driver over the real SDK wrapper, whose ServiceBusClient hands out recording stubs. */
function driverOverStubs(received = [receivedMessage()]) {
  const calls: Call[] = [];
  const admin = stubAdmin(calls);
  const driver = createServiceBusDriver(
    { client: stubClient(calls, received), admin },
    { queuePrefix: 'prod-', dedupWindowMs: 600_000 },
  );
  return { driver, calls };
}

async function receiveOne(driver: ReturnType<typeof driverOverStubs>['driver']) {
  const [delivery] = await driver
    .receiver(topology, { leaseMs: 30_000, maxUnsettled: 4 })
    .receive(4, new AbortController().signal);
  if (!delivery) throw new Error('no delivery');
  return delivery;
}

describe('servicebus adapter: what it asks of the real SDK', () => {
  it('sends ServiceBusMessages: body bytes, dedupId as messageId, metadata and attributes as application properties, delay as scheduledEnqueueTimeUtc', async () => {
    const { driver, calls } = driverOverStubs();
    const notBefore = Date.now() + 60_000;
    await driver.send(topology, [outgoing({ dedupId: 'welcome-42', notBefore }), outgoing({ id: 'job-2' })]);
    expect(calls[0]).toEqual(['createSender', 'prod-emails']);
    const [, sent] = calls.find(([method]) => method === 'sendMessages')!;
    expect(sent).toEqual([
      {
        body: Buffer.from('{"to":"a@b.c"}'),
        messageId: 'welcome-42',
        applicationProperties: {
          tenant: 't-1',
          'pq-id': 'job-1',
          'pq-enqueued-at': '1000',
          'pq-not-before': String(notBefore),
          'pq-dedup-id': 'welcome-42',
        },
        scheduledEnqueueTimeUtc: new Date(notBefore),
      },
      {
        body: Buffer.from('{"to":"a@b.c"}'),
        messageId: 'job-2',
        applicationProperties: { tenant: 't-1', 'pq-id': 'job-2', 'pq-enqueued-at': '1000' },
      },
    ]);
  });

  it('splits a send into as many native batches as tryAddMessage allows', async () => {
    const calls: Call[] = [];
    const { stubSender } = await import('./sdk-stubs.js');
    const { SdkBusSender } = await import('../src/bus/sdk-bus-client.js');
    const sender = new SdkBusSender(stubSender(calls, 2));
    await sender.sendMessages([1, 2, 3, 4, 5].map((n) => ({ body: n })));
    expect(calls.map(([, messages]) => (messages as { body: number }[]).map((m) => m.body))).toEqual([
      [1, 2],
      [3, 4],
      [5],
    ]);
  });

  it('receives in peek-lock mode with SDK lock renewal off, and maps the JS SDK deliveryCount 0 to delivery 1', async () => {
    const { driver, calls } = driverOverStubs();
    const delivery = await receiveOne(driver);
    expect(calls).toContainEqual([
      'createReceiver',
      'prod-emails',
      { receiveMode: 'peekLock', maxAutoLockRenewalDurationInMs: 0 },
    ]);
    expect(delivery.deliveryCount).toBe(1);
    expect(delivery.meta).toEqual({ id: 'job-1', enqueuedAt: 1_000 });
    expect(delivery.attributes).toEqual({ tenant: 't-1' });
  });

  it('retry schedules a copy at now + backoff carrying the attempt, and only then completes the message', async () => {
    const { driver, calls } = driverOverStubs();
    const delivery = await receiveOne(driver);
    const before = Date.now();
    await delivery.retry(5_000, 2);
    const settled = calls.filter(([method]) => method === 'scheduleMessages' || method === 'completeMessage');
    expect(settled.map(([method]) => method)).toEqual(['scheduleMessages', 'completeMessage']);
    const [, [copy], at] = settled[0] as [string, Record<string, unknown>[], Date];
    expect(at.getTime()).toBeGreaterThanOrEqual(before + 5_000);
    expect(copy).toMatchObject({
      body: Buffer.from('{"n":1}'),
      messageId: 'job-1:retry:42',
      applicationProperties: {
        tenant: 't-1',
        'pq-id': 'job-1',
        'pq-attempt-offset': '2',
        'pq-enqueued-at': '1000',
      },
    });
    expect(copy).not.toHaveProperty('scheduledEnqueueTimeUtc');
  });

  it('dead-letters natively with reason, description and the pq-dl-* properties', async () => {
    const { driver, calls } = driverOverStubs();
    const delivery = await receiveOne(driver);
    await delivery.deadLetter({
      reason: 'failed',
      errorName: 'TypeError',
      errorMessage: 'x'.repeat(5_000),
      attempts: 5,
      sourceQueue: 'emails',
      failedAt: 7,
    });
    const [, message, options] = calls.find(([method]) => method === 'deadLetterMessage')!;
    expect(message).toBe(delivery.native);
    const record = options as Record<string, string>;
    expect(record.deadLetterReason).toBe('failed');
    expect(record.deadLetterErrorDescription!.length).toBe(1_024);
    expect(record.deadLetterErrorDescription!.startsWith('TypeError: xxx')).toBe(true);
    expect(record).toMatchObject({
      'pq-dl-reason': 'failed',
      'pq-dl-attempts': '5',
      'pq-dl-source-queue': 'emails',
    });
  });

  it('release abandons with the release counted in a property, so it is not counted as an attempt', async () => {
    const { driver, calls } = driverOverStubs([
      receivedMessage({ deliveryCount: 3, applicationProperties: { 'pq-id': 'job-1', 'pq-releases': 2 } }),
    ]);
    const delivery = await receiveOne(driver);
    expect(delivery.deliveryCount).toBe(2);
    await delivery.release();
    await delivery.ack(); // a second settlement is a no-op
    expect(calls.filter(([m]) => m === 'abandonMessage' || m === 'completeMessage')).toEqual([
      ['abandonMessage', delivery.native, { 'pq-releases': 3 }],
    ]);
  });

  it('extends a lease with renewMessageLock', async () => {
    const { driver, calls } = driverOverStubs();
    const delivery = await receiveOne(driver);
    await delivery.extendLease(30_000);
    expect(calls).toContainEqual(['renewMessageLock', delivery.native]);
  });

  it('provisions with ISO 8601 durations, the lease as lockDuration and maxDeliveryCount above maxAttempts', async () => {
    const { driver, calls } = driverOverStubs();
    await driver.provision(topology);
    expect(calls).toContainEqual([
      'createQueue',
      'prod-emails',
      {
        lockDuration: 'PT30S',
        maxDeliveryCount: 7,
        requiresSession: false,
        requiresDuplicateDetection: true,
        duplicateDetectionHistoryTimeWindow: 'PT600S',
      },
    ]);
  });

  it('reports a refused provisioning as ManageRightRequiredError naming the Manage right', async () => {
    const calls: Call[] = [];
    const refused = Object.assign(new Error('Unauthorized'), { statusCode: 401 });
    const driver = createServiceBusDriver({
      client: stubClient(calls),
      admin: stubAdmin(calls, { fail: refused }),
    });
    const error = await driver.provision(topology).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManageRightRequiredError);
    expect((error as Error).message).toMatch(/Manage/);
    expect((error as ManageRightRequiredError).code).toBe(ErrorCode.PermissionDenied);
    expect((error as Error).cause).toBe(refused);
  });

  it('maps SDK and REST errors through one table', () => {
    expect(serviceBusErrorCode({ code: 'MessagingEntityNotFound' })).toBe(ErrorCode.NotFound);
    expect(serviceBusErrorCode({ code: 'UnauthorizedAccess' })).toBe(ErrorCode.PermissionDenied);
    expect(serviceBusErrorCode({ code: 'ServiceBusy' })).toBe(ErrorCode.ResourceExhausted);
    expect(serviceBusErrorCode({ code: 'ServiceTimeout' })).toBe(ErrorCode.DeadlineExceeded);
    expect(serviceBusErrorCode({ code: 'ServiceCommunicationProblem' })).toBe(ErrorCode.Unavailable);
    expect(serviceBusErrorCode({ code: 'MessageLockLost' })).toBe(ErrorCode.DeadlineExceeded);
    expect(serviceBusErrorCode({ statusCode: 403 })).toBe(ErrorCode.PermissionDenied);
    expect(serviceBusErrorCode({ statusCode: 409 })).toBe(ErrorCode.AlreadyExists);
    expect(serviceBusErrorCode(new Error('?'))).toBe(ErrorCode.Unknown);
  });
});
