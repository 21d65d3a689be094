import type { Delivery, QueueTopology } from '@polyqueue/core/driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoredisClient } from '../src/ioredis-client.js';
import { connectIoredis } from '../src/ioredis-connect.js';
import { MOVE_DUE } from '../src/lua-scripts.js';
import { RedisDriver } from '../src/redis-driver.js';
import { queueKeys, WORKER_GROUP } from '../src/redis-names.js';
import { DEFAULT_SETTINGS } from '../src/redis-options.js';
import { deleteKeys, rawClient, runPrefix } from './redis-server.js';

// The Lua scripts on the real server: what each promises when it races a reclaim or fails half-way.
const prefix = runPrefix('scripts');
const settings = { ...DEFAULT_SETTINGS, keyPrefix: prefix };
const raw = await rawClient();
let driver: RedisDriver;
let n = 0;

function topology(leaseMs = 1_000): QueueTopology {
  const name = `q${++n}`;
  return { name, deadLetterName: `${name}.dlq`, leaseMs, maxAttempts: 5 };
}

async function sendOne(queue: QueueTopology, notBefore?: number, dedupId?: string) {
  const meta = {
    id: `job-${n}-${Math.random()}`,
    attemptOffset: 0,
    enqueuedAt: Date.now(),
    ...(notBefore !== undefined ? { notBefore } : {}),
    ...(dedupId !== undefined ? { dedupId } : {}),
  };
  return driver.send(queue, [{ body: new TextEncoder().encode('{"n":1}'), attributes: { a: '1' }, meta }]);
}

async function receiveOne(queue: QueueTopology): Promise<{ delivery: Delivery; close: () => Promise<void> }> {
  const receiver = driver.receiver(queue, { leaseMs: queue.leaseMs, maxUnsettled: 1 });
  const signal = new AbortController().signal;
  for (let round = 0; round < 20; round++) {
    const [delivery] = await receiver.receive(1, signal);
    if (delivery) return { delivery, close: () => receiver.close() };
  }
  throw new Error('nothing received within 20 reads');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  const native = await connectIoredis(
    { mode: 'standalone', hosts: [{ host: '127.0.0.1', port: 6379 }], tls: false, db: 0 },
    settings,
  );
  driver = new RedisDriver({ client: new IoredisClient(native, { owned: true }), settings });
});

afterAll(async () => {
  await driver.close('graceful');
  raw.disconnect();
  await deleteKeys(prefix);
});

describe('redis scripts', () => {
  it('release hands the entry to the next reader at once, with the same delivery count', async () => {
    const queue = topology(30_000);
    await driver.provision(queue);
    await sendOne(queue);
    const first = await receiveOne(queue);
    expect(first.delivery.deliveryCount).toBe(1);
    await first.delivery.release();
    const again = await receiveOne(queue); // a lease of 30 s: only the release makes this possible
    expect(again.delivery.meta.id).toBe(first.delivery.meta.id);
    expect(again.delivery.deliveryCount).toBe(1);
    await again.delivery.ack();
    await Promise.all([first.close(), again.close()]);
    expect(await raw.xlen(queueKeys(prefix, queue.name).stream)).toBe(0);
  });

  it('a holder whose lease was reclaimed settles nothing; the new holder does', async () => {
    const queue = topology(1_000);
    await driver.provision(queue);
    await sendOne(queue);
    const keys = queueKeys(prefix, queue.name);
    const stale = await receiveOne(queue);
    await sleep(1_100);
    const fresh = await receiveOne(queue);
    expect(fresh.delivery.deliveryCount).toBe(2);
    await stale.delivery.retry(0, 1);
    await stale.delivery.deadLetter({
      reason: 'failed',
      errorName: 'Error',
      errorMessage: 'late',
      attempts: 1,
      sourceQueue: queue.name,
      failedAt: Date.now(),
    });
    expect(await raw.xlen(keys.stream)).toBe(1);
    expect(await raw.xlen(keys.dead)).toBe(0);
    expect(await raw.zcard(keys.delayed)).toBe(0);
    const [pending] = (await raw.xpending(keys.stream, WORKER_GROUP, '-', '+', 10)) as [
      string,
      string,
      number,
      number,
    ][];
    expect(pending?.[3]).toBe(2);
    await fresh.delivery.ack();
    expect(await raw.xlen(keys.stream)).toBe(0);
    await Promise.all([stale.close(), fresh.close()]);
  });

  it('extendLease keeps a reclaim away for another lease', async () => {
    const queue = topology(2_000);
    await driver.provision(queue);
    await sendOne(queue);
    const held = await receiveOne(queue);
    await sleep(1_400);
    await held.delivery.extendLease(2_000);
    await sleep(1_200); // 2.6 s after the read (past the first lease), 1.2 s after the extension
    const other = driver.receiver(queue, { leaseMs: 2_000, maxUnsettled: 1 });
    expect(await other.receive(1, new AbortController().signal)).toEqual([]);
    await held.delivery.ack();
    await Promise.all([held.close(), other.close()]);
  });

  it('a retry whose schedule fails leaves the job pending: ack and schedule are one step', async () => {
    const queue = topology(30_000);
    await driver.provision(queue);
    await sendOne(queue);
    const keys = queueKeys(prefix, queue.name);
    const held = await receiveOne(queue);
    await raw.set(keys.delayed, 'not a sorted set');
    await expect(held.delivery.retry(5_000, 1)).rejects.toThrow(/WRONGTYPE/);
    expect(await raw.xlen(keys.stream)).toBe(1);
    expect((await raw.xpending(keys.stream, WORKER_GROUP))[0]).toBe(1);
    await held.close();
  });

  it('a move whose add fails keeps the due entry in the delayed set', async () => {
    const queue = topology();
    await driver.provision(queue);
    const keys = queueKeys(prefix, queue.name);
    await sendOne(queue, Date.now() + 60_000);
    const [member] = await raw.zrangeBuffer(keys.delayed, 0, -1);
    await raw.del(keys.stream);
    await raw.set(keys.stream, 'not a stream');
    await expect(
      MOVE_DUE.run(new IoredisClient(raw, { owned: false }), [keys.delayed, keys.stream], [member!]),
    ).rejects.toThrow(/WRONGTYPE/);
    expect(await raw.zcard(keys.delayed)).toBe(1);
  });

  it('a send whose add fails does not remember its dedupId, so sending again is not a "duplicate"', async () => {
    const queue = topology();
    await driver.provision(queue);
    const keys = queueKeys(prefix, queue.name);
    await raw.set(keys.delayed, 'not a sorted set');
    await expect(sendOne(queue, Date.now() + 60_000, 'd-1')).rejects.toThrow(/WRONGTYPE/);
    expect(await raw.exists(`${keys.dedupPrefix}d-1`)).toBe(0);
    await raw.del(keys.delayed);
    const [outcome] = await sendOne(queue, Date.now() + 60_000, 'd-1');
    expect(outcome).toEqual({ ok: true });
    expect(await raw.zcard(keys.delayed)).toBe(1);
  });
});
