import { type Broker, connect, ValidationError } from '@polyqueue/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDriver } from '../src/index.js';
import { dropSchema, rawPool, runSchema } from './postgres-server.js';
import { drainedUpTo, recorder, until } from './transaction-fixtures.js';

// send(payload, { transaction: client }) on PostgreSQL: the job is a row written by the
// application's own transaction, so it exists (and its NOTIFY fires) only if that commits.
describe('transactional send (postgres)', () => {
  const schema = runSchema('tx');
  let pool: pg.Pool; // the application's: its clients carry the transactions
  let broker: Broker;
  let counter = 0;
  const queueName = () => `tx-${++counter}`;

  beforeAll(async () => {
    pool = await rawPool();
    // Beyond rawPool's 4: the 1,000-transaction test keeps 20 open at once.
    pool.options.max = 20;
    broker = await connect({ driver: createPostgresDriver({ pool, schema, settings: { pollMs: 200 } }) });
    await broker.queue('setup').provision(); // migrates the schema
    await pool.query(`CREATE TABLE "${schema}".orders (id text PRIMARY KEY)`);
  });
  afterAll(async () => {
    await broker?.close();
    if (pool) {
      await dropSchema(pool, schema);
      await pool.end();
    }
  }, 60_000);

  async function inTransaction<T>(end: 'COMMIT' | 'ROLLBACK', work: (client: pg.PoolClient) => Promise<T>) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query(end);
      return result;
    } finally {
      client.release();
    }
  }

  const orders = async () =>
    (await pool.query(`SELECT id FROM "${schema}".orders ORDER BY id`)).rows.map((row) => row.id as string);

  it('commit: the job and the application row appear together, and the job is handled', async () => {
    const queue = broker.queue<{ order: string }>(queueName());
    await queue.provision();
    const { handled, worker } = recorder(queue);
    const id = await inTransaction('COMMIT', async (client) => {
      await client.query(`INSERT INTO "${schema}".orders (id) VALUES ('o-commit')`);
      const sent = await queue.send({ order: 'o-commit' }, { transaction: client });
      // Not visible outside the transaction before it commits.
      expect((await queue.stats()).ready).toBe(0);
      return sent;
    });
    await until('the committed job', () => handled.has(id));
    expect(handled.get(id)).toEqual({ order: 'o-commit' });
    expect(await orders()).toContain('o-commit');
    await worker.close();
  });

  it('rollback: neither the job nor the row remains, the job is never handled and wakes no one', async () => {
    const queue = broker.queue<{ order: string }>(queueName());
    await queue.provision();
    const listener = new pg.Client({ ...pool.options });
    await listener.connect();
    const wakeUps: string[] = [];
    listener.on('notification', (message) => {
      if (message.payload === queue.name) wakeUps.push(message.payload);
    });
    await listener.query(`LISTEN "polyqueue:${schema}"`);
    try {
      const { handled, worker } = recorder(queue);
      const rolledBack = await inTransaction('ROLLBACK', async (client) => {
        await client.query(`INSERT INTO "${schema}".orders (id) VALUES ('o-rollback')`);
        return queue.send({ order: 'o-rollback' }, { transaction: client });
      });
      await drainedUpTo(handled, () => queue.send({ order: 'marker' }));
      await until('the marker NOTIFY', () => wakeUps.length > 0);
      expect(handled.has(rolledBack)).toBe(false);
      expect([...handled.values()]).toEqual([{ order: 'marker' }]);
      expect(wakeUps).toEqual([queue.name]); // the marker's only: a rolled-back NOTIFY is never sent
      expect(await orders()).not.toContain('o-rollback');
      await worker.close();
      expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, inFlight: 0, deadLettered: 0 });
    } finally {
      await listener.end();
    }
  });

  it('a crash before commit (the backend terminated): the job is never handled', async () => {
    const queue = broker.queue<{ order: string }>(queueName());
    await queue.provision();
    const { handled, worker } = recorder(queue);
    const client = new pg.Client({ ...pool.options });
    client.on('error', () => undefined); // the termination below is the point of the test
    await client.connect();
    await client.query('BEGIN');
    const lost = await queue.send({ order: 'o-crash' }, { transaction: client });
    const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
    await pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    await expect(client.query('COMMIT')).rejects.toThrow();
    await client.end().catch(() => undefined);
    await drainedUpTo(handled, () => queue.send({ order: 'marker' }));
    expect(handled.has(lost)).toBe(false);
    await worker.close();
    expect(await queue.stats()).toMatchObject({ ready: 0, inFlight: 0 });
  });

  it('1,000 concurrent transactions, half rolled back: exactly the committed jobs are handled', async () => {
    const queue = broker.queue<{ n: number }>(queueName());
    await queue.provision();
    const { handled, worker } = recorder(queue, 16);
    const sends = await Promise.all(
      Array.from({ length: 1_000 }, (_, n) =>
        inTransaction(n % 2 === 0 ? 'COMMIT' : 'ROLLBACK', async (client) => ({
          n,
          id: await queue.send({ n }, { transaction: client }),
        })),
      ),
    );
    const committed = sends.filter(({ n }) => n % 2 === 0);
    await until('500 committed jobs', () => handled.size >= committed.length, 60_000);
    await drainedUpTo(handled, () => queue.send({ n: -1 }));
    await worker.close();
    const expected = new Map(committed.map(({ n, id }) => [id, { n }]));
    expected.set([...handled.keys()].find((id) => handled.get(id)?.n === -1)!, { n: -1 });
    expect(new Map([...handled].sort())).toEqual(new Map([...expected].sort()));
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, inFlight: 0, deadLettered: 0 });
  }, 120_000);

  it('sendBatch in one transaction: all its jobs or none', async () => {
    const queue = broker.queue<{ n: number }>(queueName());
    await queue.provision();
    const items = (n: number) => (client: pg.PoolClient) =>
      [0, 1, 2].map((i) => ({ payload: { n: n + i }, options: { transaction: client } }));
    const rolledBack = await inTransaction('ROLLBACK', (client) => queue.sendBatch(items(0)(client)));
    const committed = await inTransaction('COMMIT', (client) => queue.sendBatch(items(10)(client)));
    expect([...rolledBack, ...committed].every((result) => result.ok)).toBe(true);
    expect((await queue.stats()).ready).toBe(3);
  });

  it('a queue first used in a transaction is provisioned on the broker’s own connection: it outlives a rollback', async () => {
    const queue = broker.queue(queueName());
    await inTransaction('ROLLBACK', (client) => queue.send({ n: 1 }, { transaction: client }));
    expect(await broker.queues()).toContain(queue.name);
    expect((await queue.stats()).ready).toBe(0);
  });

  it('a Pool is refused with ValidationError (it is not a transaction), and nothing is sent', async () => {
    const queue = broker.queue(queueName());
    await queue.provision();
    const error = await queue.send({ n: 1 }, { transaction: pool }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/pg Pool is not a transaction/);
    await expect(queue.send({ n: 1 }, { transaction: { not: 'a client' } })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect((await queue.stats()).ready).toBe(0);
  });
});
