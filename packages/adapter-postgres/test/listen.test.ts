import type { Delivery } from '@polyqueue/core/driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DialectUnderTest, message, postgresUnderTest, topology } from './dialects.js';
import { rawPool } from './postgres-server.js';

// Wake-ups on PostgreSQL: with a poll interval far beyond the test's timeout, only a NOTIFY can
// bring an idle receiver the job another connection sent; the LISTEN connection is held only
// while a receiver is open.
describe('LISTEN/NOTIFY wake-ups (postgres)', () => {
  let db: DialectUnderTest;
  beforeAll(async () => {
    db = await postgresUnderTest('listen');
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  async function listeners(): Promise<number> {
    const pool = await rawPool();
    try {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1`, [
        `LISTEN "polyqueue:${db.schema}"`,
      ]);
      return rows[0].n as number;
    } finally {
      await pool.end();
    }
  }

  it('an idle receiver gets a job sent by another driver through NOTIFY, not the poll; its close lets the LISTEN connection go', async () => {
    const worker = await db.driver({ pollMs: 600_000 });
    const producer = await db.driver();
    const queue = topology('wake');
    await worker.provision(queue);
    const receiver = worker.receiver(queue, { leaseMs: 30_000, maxUnsettled: 1 });
    const signal = new AbortController().signal;
    let got: readonly Delivery[] = [];
    const receiving = (async () => {
      while (got.length === 0) got = await receiver.receive(1, signal);
    })();
    // The first receive opened the LISTEN connection; a NOTIFY before it listens would be missed.
    while ((await listeners()) === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    await producer.send(queue, [message('woken')]);
    await receiving; // without the NOTIFY this waits the 10-minute poll and the test times out
    expect(got[0]?.meta.id).toBe('woken');
    await got[0]!.ack();
    await receiver.close();
    while ((await listeners()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }, 20_000);
});
