import { connect, type Job } from '@polyqueue/core';
import type { QueueTopology } from '@polyqueue/core/driver';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createSqsDriver } from '../src/index.js';
import { createSqsLambdaHandler } from '../src/lambda/index.js';
import { FakeSqs } from './fake-sqs.js';
import { toLambdaRecord } from './lambda-event.js';

/**
 * SQS FIFO (documented): a receive may return several messages of one group, and every receive
 * raises a message's ApproximateReceiveCount. A follower handed back because the job ahead of it
 * went back for a retry never ran: that receive must not cost it an attempt. The fake holds a
 * group while one of its messages is in flight, as SQS does.
 */
const topology: QueueTopology = { name: 'jobs', deadLetterName: 'jobs.dlq', leaseMs: 30_000, maxAttempts: 5 };
const never = new AbortController().signal;

describe('FIFO worker: followers handed back lose no attempt', () => {
  it('a follower given back behind a failing head runs as attempt 1', async () => {
    const fake = new FakeSqs();
    const driver = createSqsDriver({ api: fake.api, fifo: true, queuePrefix: 'p-', waitTimeSeconds: 0 });
    await driver.provision(topology);
    const meta = (id: string) => ({ id, attemptOffset: 0, enqueuedAt: 1, orderingKey: 'k' });
    await driver.send(topology, [
      { body: new TextEncoder().encode('"k0"'), attributes: {}, meta: meta('k0') },
      { body: new TextEncoder().encode('"k1"'), attributes: {}, meta: meta('k1') },
    ]);
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 10 });
    for (let attempt = 1; attempt <= 3; attempt++) {
      // k0 and k1 come in one receive; k1 waits behind k0, which fails and goes back.
      const [head, ...rest] = await receiver.receive(10, never);
      expect([head!.meta.id, head!.deliveryCount, rest.length]).toEqual(['k0', attempt, 0]);
      await head!.retry(1_000, attempt);
      fake.expireAll('p-jobs.fifo'); // its backoff is over
    }
    const [head] = await receiver.receive(10, never);
    await head!.ack();
    const [follower] = await receiver.receive(10, never);
    expect(follower!.meta.id).toBe('k1');
    expect(fake.queue('p-jobs.fifo').messages.find((m) => m.id === 'm-2')!.receiveCount).toBe(4);
    expect(follower!.deliveryCount).toBe(1);
    await follower!.ack();
    await receiver.close();
  });
});

describe("FIFO Lambda handler: skipped records lose no attempt (fifoFailureScope 'batch')", () => {
  it('a record of another group, skipped after a failure, runs as attempt 1 on its next delivery', async () => {
    const fake = new FakeSqs();
    const broker = await connect({
      driver: createSqsDriver({ api: fake.api, fifo: true, queuePrefix: 'p-', waitTimeSeconds: 0 }),
    });
    const queue = broker.queue<{ key: string; fail?: boolean }>('jobs', { maxAttempts: 3 });
    await queue.provision();
    await queue.send({ key: 'a', fail: true }, { orderingKey: 'a' });
    await queue.send({ key: 'b' }, { orderingKey: 'b' });
    const url = fake.urlOf('p-jobs.fifo');
    const arn = 'arn:aws:sqs:us-east-1:000000000000:p-jobs.fifo';
    const event = async (): Promise<SQSEvent> => {
      const { Messages = [] } = await fake.api.receiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 });
      return { Records: Messages.map((m) => toLambdaRecord(m, arn)) };
    };
    const ran: string[] = [];
    const handler = createSqsLambdaHandler(queue, (job: Job<{ key: string; fail?: boolean }>) => {
      ran.push(`${job.payload.key}@${job.attempt}`);
      if (job.payload.fail && job.attempt < 3) throw new Error('a fails');
    });
    for (let invocation = 1; invocation <= 2; invocation++) {
      const result = await handler(await event());
      expect(result.batchItemFailures).toHaveLength(2);
      fake.expireAll('p-jobs.fifo'); // a's backoff is over
    }
    await expect(handler(await event())).resolves.toEqual({ batchItemFailures: [] });
    expect(ran).toEqual(['a@1', 'a@2', 'a@3', 'b@1']);
    await broker.close();
  });
});

describe('FIFO worker: a follower waiting its turn keeps its lease', () => {
  it('the worker extends the lease of a follower held behind a long-running head', async () => {
    const fake = new FakeSqs();
    const broker = await connect({
      driver: createSqsDriver({ api: fake.api, fifo: true, queuePrefix: 'p-', waitTimeSeconds: 0 }),
    });
    const queue = broker.queue<{ key: string }>('held', { leaseMs: 1_000 });
    await queue.provision();
    await queue.send({ key: 'k0' }, { orderingKey: 'k' });
    await queue.send({ key: 'k1' }, { orderingKey: 'k' });
    const ran: string[] = [];
    let followerReceipt: string | undefined;
    const worker = queue.process(
      async (job: Job<{ key: string }>) => {
        if (job.payload.key === 'k0') {
          // k1 came in the same receive and waits behind k0 for longer than its 1 s lease.
          followerReceipt = fake.queue('p-held.fifo').messages.find((m) => m.body.includes('k1'))?.receipt;
          await new Promise((resolve) => setTimeout(resolve, 2_500));
        }
        ran.push(`${job.payload.key}@${job.attempt}`);
      },
      { concurrency: 2 },
    );
    try {
      const deadline = Date.now() + 10_000;
      while (ran.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(ran).toEqual(['k0@1', 'k1@1']);
      expect(followerReceipt).toBeDefined();
      // Its lease was pushed out while it waited (it was never handed out before k0 finished).
      const extended = fake
        .calledWith('changeMessageVisibility')
        .filter((input) => input.ReceiptHandle === followerReceipt && Number(input.VisibilityTimeout) >= 1);
      expect(extended.length).toBeGreaterThan(0);
    } finally {
      await worker.close();
      await broker.close();
    }
  });
});
