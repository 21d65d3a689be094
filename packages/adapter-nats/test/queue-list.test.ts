import type { QueueTopology } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { NatsDriver } from '../src/nats-driver.js';
import { decodeName, encodeName } from '../src/nats-names.js';
import { DEFAULT_SETTINGS } from '../src/nats-options.js';
import { FakeClient } from './fake-client.js';

const topology = (name: string, deadLetterName = `${name}.dlq`): QueueTopology => ({
  name,
  deadLetterName,
  leaseMs: 30_000,
  maxAttempts: 3,
});

describe('nats queues()', () => {
  it('decodes every stream-name encoding back to the logical name', () => {
    for (const name of ['orders', 'orders.dlq', 'a_b-c.d', 'é_.x'])
      expect(decodeName(encodeName(name))).toBe(name);
  });

  it('lists the queues of its prefix that have a delay stream: never a dead-letter queue', async () => {
    const client = new FakeClient();
    const driver = new NatsDriver({ client, settings: DEFAULT_SETTINGS });
    await driver.provision(topology('emails'));
    await driver.provision(topology('orders.v2', 'orders-failed'));
    await new NatsDriver({ client, settings: { ...DEFAULT_SETTINGS, streamPrefix: 'other' } }).provision(
      topology('elsewhere'),
    );
    expect([...(await driver.queues())].sort()).toEqual(['emails', 'orders.v2']);
  });
});
