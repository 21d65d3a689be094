import { ConfigError, ErrorCode, MessageTooLargeError, ValidationError } from '@polyqueue/core';
import type { OutgoingMessage, QueueTopology } from '@polyqueue/core/driver';
import { decodeCompact } from '@polyqueue/core/driver';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSqsDriver, SqsBatchEntryError, type SqsDriver, sqsErrorCode } from '../src/index.js';
import { FakeSqs } from './fake-sqs.js';

/** A SendMessageBatch entry as the fake recorded it. */
interface SentEntry {
  readonly MessageBody: string;
  readonly DelaySeconds?: number;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
  readonly MessageAttributes: Record<string, { readonly StringValue: string }>;
}

const topology: QueueTopology = {
  name: 'emails',
  deadLetterName: 'emails.dlq',
  leaseMs: 30_000,
  maxAttempts: 5,
};
const encoder = new TextEncoder();

function message(
  body: unknown,
  extra: Partial<OutgoingMessage['meta']> = {},
  attributes = {},
): OutgoingMessage {
  return {
    body: encoder.encode(JSON.stringify(body)),
    attributes,
    meta: {
      id: `job-${JSON.stringify(body).slice(0, 20)}`,
      attemptOffset: 0,
      enqueuedAt: 1_893_456_000_000,
      ...extra,
    },
  };
}

function setUp(fifo: boolean) {
  const fake = new FakeSqs();
  const driver = createSqsDriver({ api: fake.api, fifo, queuePrefix: 'p-', waitTimeSeconds: 0 });
  return { fake, driver };
}

async function receiveOne(driver: SqsDriver) {
  const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 10 });
  const [delivery] = await receiver.receive(10, new AbortController().signal);
  await receiver.close();
  return delivery!;
}

describe('sqs provisioning', () => {
  it('creates the DLQ, the work queue with a redrive policy above maxAttempts, and a standard delay queue', async () => {
    const { fake, driver } = setUp(true);
    await driver.provision(topology);
    expect([...fake.queues.keys()].sort()).toEqual([
      'p-emails.fifo',
      'p-emails_dlq.fifo',
      'p-emails_pq_delay',
    ]);
    expect(fake.queue('p-emails_dlq.fifo').attributes.FifoQueue).toBe('true');
    expect(fake.queue('p-emails_pq_delay').attributes.FifoQueue).toBeUndefined();
    const redrive = JSON.parse(fake.queue('p-emails.fifo').attributes.RedrivePolicy!);
    expect(redrive).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:p-emails_dlq.fifo',
      // maxAttempts + 2, + (maxAttempts - 1) on FIFO for followers handed back unstarted.
      maxReceiveCount: '11',
    });
    expect(fake.queue('p-emails.fifo').attributes.VisibilityTimeout).toBe('30');
    await driver.provision(topology); // idempotent
    expect(fake.queues.size).toBe(3);
  });
});

describe('sqs send mapping', () => {
  let fake: FakeSqs;
  let driver: SqsDriver;
  beforeEach(async () => {
    ({ fake, driver } = setUp(false));
    await driver.provision(topology);
    fake.calls.length = 0;
  });

  it('puts polyqueue metadata in one compact "pq" attribute beside the user attributes', async () => {
    await driver.send(topology, [message({ n: 1 }, {}, { tenant: 't1' })]);
    const [entry] = fake.calledWith('sendMessageBatch')[0]!.Entries as SentEntry[];
    expect(Object.keys(entry!.MessageAttributes).sort()).toEqual(['pq', 'tenant']);
    expect(entry!.MessageAttributes.tenant).toEqual({ DataType: 'String', StringValue: 't1' });
    expect(decodeCompact(entry!.MessageAttributes.pq!.StringValue).meta).toEqual({
      id: 'job-{"n":1}',
      enqueuedAt: 1_893_456_000_000,
    });
    expect(entry!.MessageBody).toBe('{"n":1}');
  });

  it('maps a delay to DelaySeconds rounded up, and a delay beyond 15 min to the delay queue', async () => {
    const now = Date.now();
    await driver.send(topology, [
      message({ n: 1 }, { notBefore: now + 1_200 }),
      message({ n: 2 }, { notBefore: now + 3_600_000 }),
    ]);
    const calls = fake.calledWith('sendMessageBatch');
    const work = calls.find((c) => String(c.QueueUrl).endsWith('/p-emails'))!;
    const delay = calls.find((c) => String(c.QueueUrl).endsWith('/p-emails_pq_delay'))!;
    expect((work.Entries as SentEntry[])[0]!.DelaySeconds).toBe(2);
    expect((delay.Entries as SentEntry[])[0]!.DelaySeconds).toBe(900);
  });

  it('sends at most 10 entries per batch and returns one outcome per message, a refused one alone', async () => {
    const messages = Array.from({ length: 10 }, (_, n) => message({ n }));
    fake.refuseBodies.add('{"n":4}');
    const outcomes = await driver.send(topology, messages);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true, false, true, true, true, true, true]);
    const refused = outcomes[4]!;
    expect(!refused.ok && refused.error).toBeInstanceOf(SqsBatchEntryError);
    expect(driver.errorCode(!refused.ok && refused.error)).toBe(ErrorCode.InvalidArgument);
    expect(fake.calledWith('sendMessageBatch')).toHaveLength(1);
  });

  it('splits a batch so that no request exceeds 1 MiB', async () => {
    const big = 'x'.repeat(400_000);
    const outcomes = await driver.send(topology, [message(big), message(`${big}y`), message(`${big}z`)]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const sizes = fake.calledWith('sendMessageBatch').map((c) => (c.Entries as SentEntry[]).length);
    expect(sizes).toEqual([2, 1]);
  });

  it("refuses, before any call, a message over the queue's own MaximumMessageSize and a 10th user attribute", async () => {
    fake.queue('p-emails').attributes.MaximumMessageSize = '1024';
    const { driver: fresh } = { driver: createSqsDriver({ api: fake.api, queuePrefix: 'p-' }) };
    const attributes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, 'v']));
    const outcomes = await fresh.send(topology, [
      message('x'.repeat(2_000)),
      message({ ok: 1 }, {}, attributes),
    ]);
    const [large, crowded] = outcomes;
    expect(!large!.ok && large!.error).toBeInstanceOf(MessageTooLargeError);
    expect(!crowded!.ok && crowded!.error).toBeInstanceOf(ValidationError);
    expect(fake.calledWith('sendMessageBatch')).toHaveLength(0);
  });

  it('a missing queue fails the whole send with NotFound', async () => {
    const { driver: other } = { driver: createSqsDriver({ api: fake.api, queuePrefix: 'nope-' }) };
    const error = await other.send(topology, [message(1)]).catch((e: unknown) => e);
    expect(other.errorCode(error)).toBe(ErrorCode.NotFound);
  });
});

describe('sqs FIFO mapping', () => {
  it('orderingKey becomes MessageGroupId and dedupId MessageDeduplicationId; else the job id', async () => {
    const { fake, driver } = setUp(true);
    await driver.provision(topology);
    await driver.send(topology, [
      message({ n: 1 }, { orderingKey: 'user-42', dedupId: 'welcome-42' }),
      message({ n: 2 }),
      message({ n: 3 }, { orderingKey: 'spaces are not allowed' }),
    ]);
    const entries = fake.calledWith('sendMessageBatch')[0]!.Entries as SentEntry[];
    expect(entries[0]).toMatchObject({ MessageGroupId: 'user-42', MessageDeduplicationId: 'welcome-42' });
    expect(entries[1]).toMatchObject({
      MessageGroupId: 'job-{"n":2}',
      MessageDeduplicationId: 'job-{"n":2}',
    });
    expect(entries[2]!.MessageGroupId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('any delay on FIFO takes the (standard) delay queue: FIFO has no per-message delay', async () => {
    const { fake, driver } = setUp(true);
    await driver.provision(topology);
    await driver.send(topology, [message({ n: 1 }, { notBefore: Date.now() + 2_000 })]);
    const [call] = fake.calledWith('sendMessageBatch');
    expect(String(call!.QueueUrl)).toMatch(/p-emails_pq_delay$/);
    expect((call!.Entries as SentEntry[])[0]!).not.toHaveProperty('MessageGroupId');
    expect(driver.capabilities.maxNativeDelayMs).toBe(0);
  });
});

describe('sqs settlement mapping', () => {
  it('receives with both AttributeNames and MessageSystemAttributeNames; attempt from ApproximateReceiveCount', async () => {
    const { fake, driver } = setUp(false);
    await driver.provision(topology);
    await driver.send(topology, [message({ n: 1 }, { attemptOffset: 2 })]);
    const delivery = await receiveOne(driver);
    const [request] = fake.calledWith('receiveMessage');
    expect(request).toMatchObject({
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
      VisibilityTimeout: 30,
    });
    expect(delivery.deliveryCount).toBe(1);
    expect(delivery.meta.attemptOffset).toBe(2);
    expect(delivery.attributes).toEqual({});
  });

  it('a foreign message gets its SQS MessageId as job id', async () => {
    const { fake, driver } = setUp(false);
    await driver.provision(topology);
    fake
      .queue('p-emails')
      .messages.push({ id: 'native-1', body: '{}', attributes: {}, receiveCount: 0, delaySeconds: 0 });
    expect((await receiveOne(driver)).meta).toEqual({ id: 'native-1' });
  });

  it('retry sets the visibility to the backoff in whole seconds and does not delete', async () => {
    const { fake, driver } = setUp(false);
    await driver.provision(topology);
    await driver.send(topology, [message({ n: 1 })]);
    const delivery = await receiveOne(driver);
    await delivery.retry(1_500, 1);
    await delivery.retry(1_500, 1); // a second settlement is a no-op
    expect(fake.calledWith('changeMessageVisibility')).toEqual([
      { QueueUrl: fake.urlOf('p-emails'), ReceiptHandle: 'r-m-1-1', VisibilityTimeout: 2 },
    ]);
    expect(fake.calledWith('deleteMessageBatch')).toHaveLength(0);
  });

  it('a backoff beyond the 12 h visibility budget republishes through the delay queue with the attempts used, then deletes', async () => {
    const { fake, driver } = setUp(false);
    await driver.provision(topology);
    await driver.send(topology, [message({ n: 1 })]);
    const delivery = await receiveOne(driver);
    fake.calls.length = 0;
    await delivery.retry(13 * 3_600_000, 3);
    expect(fake.calls.map((c) => c.action)).toEqual(['sendMessageBatch', 'deleteMessageBatch']);
    const copy = (fake.calledWith('sendMessageBatch')[0]!.Entries as SentEntry[])[0]!;
    expect(String(fake.calledWith('sendMessageBatch')[0]!.QueueUrl)).toMatch(/_pq_delay$/);
    expect(decodeCompact(copy.MessageAttributes.pq!.StringValue).meta.attemptOffset).toBe(3);
  });

  it('dead-letters by sending to the DLQ with the record, THEN deleting', async () => {
    const { fake, driver } = setUp(false);
    await driver.provision(topology);
    await driver.send(topology, [message({ n: 1 }, {}, { tenant: 't1' })]);
    const delivery = await receiveOne(driver);
    fake.calls.length = 0;
    const record = {
      reason: 'failed' as const,
      errorName: 'Error',
      errorMessage: 'boom',
      attempts: 5,
      sourceQueue: 'emails',
      failedAt: 1_893_456_000_042,
    };
    await delivery.deadLetter(record);
    expect(fake.calls.map((c) => c.action)).toEqual(['sendMessageBatch', 'deleteMessageBatch']);
    const letter = (fake.calledWith('sendMessageBatch')[0]!.Entries as SentEntry[])[0]!;
    expect(String(fake.calledWith('sendMessageBatch')[0]!.QueueUrl)).toMatch(/p-emails_dlq$/);
    expect(letter.MessageBody).toBe('{"n":1}');
    expect(letter.MessageAttributes.tenant!.StringValue).toBe('t1');
    expect(decodeCompact(letter.MessageAttributes.pq!.StringValue).deadLetter).toEqual(record);
  });

  it('a failed DLQ send leaves the job in the queue (never deleted first)', async () => {
    const { fake, driver } = setUp(false);
    await driver.provision(topology);
    await driver.send(topology, [message({ n: 1 })]);
    const delivery = await receiveOne(driver);
    fake.refuseBodies.add('{"n":1}');
    fake.calls.length = 0;
    const record = {
      reason: 'failed' as const,
      errorName: 'E',
      errorMessage: 'm',
      attempts: 1,
      sourceQueue: 'emails',
      failedAt: 1,
    };
    await expect(delivery.deadLetter(record)).rejects.toBeInstanceOf(SqsBatchEntryError);
    expect(fake.calledWith('deleteMessageBatch')).toHaveLength(0);
  });

  it('release sets visibility 0; acks of one tick share a DeleteMessageBatch', async () => {
    const { fake, driver } = setUp(false);
    await driver.provision(topology);
    await driver.send(topology, [message(1), message(2), message(3)]);
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 10 });
    const [a, b, c] = await receiver.receive(10, new AbortController().signal);
    await c!.release();
    expect(fake.calledWith('changeMessageVisibility').at(-1)).toMatchObject({ VisibilityTimeout: 0 });
    await Promise.all([a!.ack(), b!.ack()]);
    expect(fake.calledWith('deleteMessageBatch')).toHaveLength(1);
    expect((fake.calledWith('deleteMessageBatch')[0]!.Entries as unknown[]).length).toBe(2);
    await receiver.close();
  });
});

describe('sqs error codes', () => {
  it.each([
    [{ name: 'QueueDoesNotExist' }, ErrorCode.NotFound],
    [{ name: 'AWS.SimpleQueueService.NonExistentQueue' }, ErrorCode.NotFound],
    [{ name: 'QueueNameExists' }, ErrorCode.AlreadyExists],
    [{ name: 'InvalidParameterValue' }, ErrorCode.InvalidArgument],
    [{ name: 'AccessDenied' }, ErrorCode.PermissionDenied],
    [{ name: 'RequestThrottled' }, ErrorCode.ResourceExhausted],
    [{ code: 'ECONNREFUSED', name: 'Error' }, ErrorCode.Unavailable],
    // Socket errors come from the kit's one table: a socket timeout is an unreachable peer.
    [{ code: 'ETIMEDOUT', name: 'Error' }, ErrorCode.Unavailable],
    [{ name: 'Error', cause: { code: 'ECONNRESET' } }, ErrorCode.Unavailable],
    [{ name: 'TimeoutError' }, ErrorCode.DeadlineExceeded],
    [{ name: 'Weird', $metadata: { httpStatusCode: 503 } }, ErrorCode.Unavailable],
    [{ name: 'Weird' }, ErrorCode.Unknown],
    ['not an object', ErrorCode.Unknown],
  ])('%o -> %s', (error, code) => {
    expect(sqsErrorCode(error)).toBe(code);
  });
});

describe('sqs native names are one-to-one', () => {
  const named = (name: string, deadLetterName = `${name}.dlq`): QueueTopology => ({
    ...topology,
    name,
    deadLetterName,
  });

  it.each([
    ['orders_dlq', 'dead-letter queue of "orders"'],
    ['x_pq_delay', 'delay queues'],
    ['x.pq.delay', 'delay queues'],
    ['x.pq_delay', 'delay queues'],
  ])('refuses the reserved name %s with a ConfigError saying why', async (name, why) => {
    const { driver } = setUp(false);
    const error = await driver.provision(named(name)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(why);
    const sent = await driver.send(named(name), [message(1)]).catch((e: unknown) => e);
    expect(sent).toBeInstanceOf(ConfigError);
  });

  it('refuses a dead-letter queue spelled with a reserved ending', async () => {
    const { driver } = setUp(false);
    await expect(driver.provision(named('billing', 'orders_dlq'))).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses a second logical name that maps to an SQS queue already in use ("." and "_")', async () => {
    const { fake, driver } = setUp(false);
    await driver.provision(named('a.b'));
    const error = await driver.provision(named('a_b')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/"a\.b(\.dlq)?" and "a_b(\.dlq)?" would be the same SQS queue/);
    await expect(driver.send(named('a_b'), [message(1)])).rejects.toThrow('"a.b" and "a_b" would be');
    // A dead-letter queue counts too: "a_b.dlq" is the SQS queue of "a.b.dlq".
    await expect(driver.provision(named('c', 'a_b.dlq'))).rejects.toBeInstanceOf(ConfigError);
    expect([...fake.queues.keys()].sort()).toEqual(['p-a_b', 'p-a_b_dlq', 'p-a_b_pq_delay']);
  });

  it('names differing by "-", "_", "." (once), or a ".dlq" suffix get distinct SQS queues', async () => {
    const { fake, driver } = setUp(true);
    for (const name of ['n-1', 'n_1', 'n1', 'n1.dlq.x']) await driver.provision(named(name));
    expect(new Set(fake.queues.keys()).size).toBe(12);
    // The dead-letter queue of "n1" used as a queue of its own is the same logical queue: allowed.
    await expect(driver.provision(named('n1.dlq'))).resolves.toBeUndefined();
  });
});
