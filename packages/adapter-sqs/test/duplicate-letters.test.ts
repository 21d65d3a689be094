import type { DeadLetterRecord, QueueTopology } from '@polyqueue/core/driver';
import { decodeCompact } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { createSqsDriver } from '../src/index.js';
import { FakeSqs } from './fake-sqs.js';

/** Under at-least-once a job can be dead-lettered twice (its lease ended mid-way, a delete failed). */
const topology: QueueTopology = { name: 'jobs', deadLetterName: 'jobs.dlq', leaseMs: 30_000, maxAttempts: 1 };
const never = new AbortController().signal;
const record = (failedAt: number): DeadLetterRecord => ({
  reason: 'failed',
  errorName: 'Error',
  errorMessage: 'boom',
  attempts: 1,
  sourceQueue: 'jobs',
  failedAt,
});
const job = (id: string) => ({
  body: new TextEncoder().encode(`"${id}"`),
  attributes: {},
  meta: { id, attemptOffset: 0, enqueuedAt: 1 },
});

describe('duplicate dead letters', () => {
  it('FIFO: two dead-letterings of one message carry one deduplication id, so SQS keeps one letter', async () => {
    const fake = new FakeSqs();
    const driver = createSqsDriver({ api: fake.api, fifo: true, queuePrefix: 'p-', waitTimeSeconds: 0 });
    await driver.provision(topology);
    await driver.send(topology, [job('j1')]);
    // Two workers: the lease of the first ended before it was settled, and the second got the job.
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 10 });
    const other = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 10 });
    const [first] = await receiver.receive(10, never);
    fake.expireAll('p-jobs.fifo');
    const [second] = await other.receive(10, never);
    fake.calls.length = 0;
    await first!.deadLetter(record(1_000));
    await second!.deadLetter(record(2_000));
    const sends = fake
      .calledWith('sendMessageBatch')
      .flatMap((call) => call.Entries as Record<string, string>[]);
    expect(sends).toHaveLength(2);
    expect(sends[0]!.MessageDeduplicationId).toBe(sends[1]!.MessageDeduplicationId);
    expect(sends[0]!.MessageDeduplicationId).toBe('j1.dl.m-1');
    await Promise.all([receiver.close(), other.close()]);
  });

  it('standard: redrive sends a job back once and deletes its second letter in the same call', async () => {
    const fake = new FakeSqs();
    const driver = createSqsDriver({ api: fake.api, queuePrefix: 'p-', waitTimeSeconds: 0 });
    await driver.provision(topology);
    await driver.send(topology, [job('j1'), job('j2')]);
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 10 });
    const [a, b] = await receiver.receive(10, never);
    fake.expireAll('p-jobs');
    const [again] = await receiver.receive(1, never);
    await Promise.all([a!.deadLetter(record(1)), b!.deadLetter(record(1)), again!.deadLetter(record(2))]);
    expect(fake.queue('p-jobs_dlq').messages).toHaveLength(3);
    fake.calls.length = 0;
    expect(await driver.deadLetters(topology).redrive({ limit: 10 })).toBe(2);
    const back = fake
      .calledWith('sendMessageBatch')
      .flatMap((call) => call.Entries as { MessageAttributes: { pq: { StringValue: string } } }[])
      .map((entry) => decodeCompact(entry.MessageAttributes.pq.StringValue).meta.id);
    expect(back.sort()).toEqual(['j1', 'j2']);
    expect(fake.queue('p-jobs_dlq').messages).toHaveLength(0);
    await receiver.close();
  });
});
