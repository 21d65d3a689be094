import { describe, expect, it } from 'vitest';
import { RedisDriver } from '../src/redis-driver.js';
import { DEFAULT_SETTINGS } from '../src/redis-options.js';
import { FakeRedisClient } from './fake-client.js';

describe('redis queues()', () => {
  it('SCANs for the stream keys of its prefix and reads the queue names out of them', async () => {
    const client = new FakeRedisClient();
    client.reply = (call) =>
      call.command === 'SCAN'
        ? ['p:{emails}:jobs', 'p:{orders.v2}:jobs', 'p:{emails}:jobs', 'p:x:{other}:jobs', 'p:{emails}:dead']
        : null;
    const driver = new RedisDriver({ client, settings: { ...DEFAULT_SETTINGS, keyPrefix: 'p' } });
    expect([...(await driver.queues())].sort()).toEqual(['emails', 'orders.v2']);
    const scan = client.calls.find((call) => call.command === 'SCAN')!;
    expect(scan.args).toEqual(['p:{*}:jobs', 1_000]);
  });
});
