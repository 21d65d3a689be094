import type { QueueTopology } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { createSqsDriver } from '../src/index.js';
import { FakeSqs } from './fake-sqs.js';

const topology = (name: string, deadLetterName = `${name}.dlq`): QueueTopology => ({
  name,
  deadLetterName,
  leaseMs: 30_000,
  maxAttempts: 3,
});

describe('sqs queues()', () => {
  it('lists the work queues of the prefix and type: those with a delay queue, never a dead-letter queue', async () => {
    const fake = new FakeSqs();
    const standard = createSqsDriver({ api: fake.api, queuePrefix: 'p-', waitTimeSeconds: 0 });
    const fifo = createSqsDriver({ api: fake.api, queuePrefix: 'p-', fifo: true, waitTimeSeconds: 0 });
    await standard.provision(topology('emails'));
    await standard.provision(topology('orders.v2', 'orders-failed'));
    await fifo.provision(topology('ledger'));
    await createSqsDriver({ api: fake.api, queuePrefix: 'other-' }).provision(topology('emails'));
    // Dots come back as SQS spells them; broker.queue('orders_v2') is the same SQS queue.
    expect([...(await standard.queues())].sort()).toEqual(['emails', 'orders_v2']);
    expect(await fifo.queues()).toEqual(['ledger']);
    expect(fake.calledWith('listQueues')[0]).toMatchObject({ QueueNamePrefix: 'p-', MaxResults: 1_000 });
  });

  it('follows NextToken through every page', async () => {
    const fake = new FakeSqs();
    const driver = createSqsDriver({ api: fake.api, queuePrefix: 'p-', waitTimeSeconds: 0 });
    await driver.provision(topology('a'));
    await driver.provision(topology('b'));
    const pages = [
      { QueueUrls: [fake.urlOf('p-a'), fake.urlOf('p-a_dlq')], NextToken: 't1' },
      { QueueUrls: [fake.urlOf('p-a_pq_delay'), fake.urlOf('p-b'), fake.urlOf('p-b_pq_delay')] },
    ];
    const tokens: (string | undefined)[] = [];
    const paged = createSqsDriver({
      api: {
        ...fake.api,
        listQueues: async (input) => {
          tokens.push(input.NextToken);
          return pages[tokens.length - 1]!;
        },
      },
      queuePrefix: 'p-',
      waitTimeSeconds: 0,
    });
    expect([...(await paged.queues())].sort()).toEqual(['a', 'b']);
    expect(tokens).toEqual([undefined, 't1']);
  });
});
