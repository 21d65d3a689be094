import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DialectUnderTest, message, postgresUnderTest, sqliteUnderTest, topology } from './dialects.js';

// What the conformance suite cannot see from the portable API: a stale delivery settles nothing,
// and a dedup id is remembered for its window after its job is gone, then forgotten.
for (const make of [sqliteUnderTest, postgresUnderTest]) {
  describe(`SQL driver settlement (${make.name.replace('UnderTest', '')})`, () => {
    let db: DialectUnderTest;
    beforeAll(async () => {
      db = await make('settle');
    });
    afterAll(async () => {
      await db?.cleanup();
    });

    it('a delivery whose lease expired and was taken by another settles nothing (lease token fencing)', async () => {
      const driver = await db.driver();
      const queue = topology('fence');
      await driver.provision(queue);
      await driver.send(queue, [message('fenced')]);
      const signal = new AbortController().signal;
      const first = driver.receiver(queue, { leaseMs: 1_000, maxUnsettled: 1 });
      const second = driver.receiver(queue, { leaseMs: 60_000, maxUnsettled: 1 });
      const [stale] = await first.receive(1, signal);
      expect(stale?.meta.id).toBe('fenced');
      await sleep(1_100); // the first lease runs out
      let taken = await second.receive(1, signal);
      while (taken.length === 0) taken = await second.receive(1, signal);
      const [current] = taken;
      expect(current?.deliveryCount).toBe(2);
      await stale!.ack();
      await stale!.retry(0, 1);
      await stale!.deadLetter({
        reason: 'failed',
        errorName: 'Error',
        errorMessage: 'stale',
        attempts: 1,
        sourceQueue: queue.name,
        failedAt: Date.now(),
      });
      await first.close(); // flushes the batched ack
      expect(await driver.stats(queue)).toMatchObject({ inFlight: 1, ready: 0, delayed: 0, deadLettered: 0 });
      await current!.ack();
      await second.close();
      expect(await driver.stats(queue)).toMatchObject({ inFlight: 0, ready: 0, delayed: 0, deadLettered: 0 });
    });

    it('remembers a dedup id for its window after its job was acked, then forgets it', async () => {
      const driver = await db.driver({ dedupWindowMs: 1_000 });
      const queue = topology('dedup');
      await driver.provision(queue);
      expect(await driver.send(queue, [message('a', { dedupId: 'd' })])).toEqual([{ ok: true }]);
      const receiver = driver.receiver(queue, { leaseMs: 30_000, maxUnsettled: 1 });
      const [delivery] = await receiver.receive(1, new AbortController().signal);
      await delivery!.ack();
      await receiver.close();
      expect(await driver.send(queue, [message('b', { dedupId: 'd' })])).toEqual([
        { ok: true, duplicateOf: 'a' },
      ]);
      await sleep(1_100);
      expect(await driver.send(queue, [message('c', { dedupId: 'd' })])).toEqual([{ ok: true }]);
      expect((await driver.stats(queue)).ready).toBe(1);
    });

    it('a send to a queue never provisioned is NotFound, and so are its stats', async () => {
      const driver = await db.driver();
      const queue = topology('missing');
      const error = await driver.send(queue, [message('x')]).catch((e: unknown) => e);
      expect(driver.errorCode(error)).toBe('NotFound');
      const statsError = await driver.stats(queue).catch((e: unknown) => e);
      expect(driver.errorCode(statsError)).toBe('NotFound');
    });
  });
}
