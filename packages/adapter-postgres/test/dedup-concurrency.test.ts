import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DialectUnderTest, message, postgresUnderTest, topology } from './dialects.js';

// Concurrent sends whose batches share dedup ids in opposite orders: each batch claims its ids
// in one transaction, so claiming them in batch order would let two transactions wait for each
// other (deadlock_detected, a failed send). Claims go in dedup-id order: no send fails, and each
// id is kept once.
describe('dedup under concurrent sends (postgres)', () => {
  let db: DialectUnderTest;
  beforeAll(async () => {
    db = await postgresUnderTest('dedupc');
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  it('batches claiming the same ids in opposite orders never deadlock, and keep each id once', async () => {
    const a = await db.driver();
    const b = await db.driver();
    const queue = topology('dedupc');
    await a.provision(queue);
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    for (let round = 0; round < 30; round += 1) {
      const ids = keys.map((key) => `${round}-${key}`);
      const forward = ids.map((id) => message(`a-${id}`, { dedupId: id }));
      const backward = [...ids].reverse().map((id) => message(`b-${id}`, { dedupId: id }));
      const results = await Promise.allSettled([a.send(queue, forward), b.send(queue, backward)]);
      for (const result of results)
        expect(result.status, String((result as { reason?: unknown }).reason)).toBe('fulfilled');
    }
    expect((await a.stats(queue)).ready).toBe(30 * keys.length);
  }, 60_000);
});
