import { type Broker, connect, ValidationError } from '@polyqueue/core';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDriver, fromDrizzle, fromKysely } from '../src/index.js';
import { transactionRunner } from '../src/transaction-handle.js';
import { dropSchema, rawPool, runSchema } from './postgres-server.js';
import { drainedUpTo, recorder, until } from './transaction-fixtures.js';

// The bridges against the real libraries (kysely 0.28, drizzle-orm 0.45) on PostgreSQL: the job
// is written by the ORM's transaction, and shares its fate.
describe('ORM bridges (postgres)', () => {
  const schema = runSchema('orm');
  let pool: pg.Pool;
  let broker: Broker;
  let kysely: Kysely<Record<string, never>>;
  let counter = 0;

  beforeAll(async () => {
    pool = await rawPool();
    broker = await connect({ driver: createPostgresDriver({ pool, schema, settings: { pollMs: 200 } }) });
    kysely = new Kysely({ dialect: new PostgresDialect({ pool }) });
  });
  afterAll(async () => {
    await broker?.close();
    if (pool) {
      await dropSchema(pool, schema);
      await pool.end(); // kysely.destroy() would end the shared pool too
    }
  }, 60_000);

  const cases = {
    kysely: async (end: 'commit' | 'rollback', send: (handle: unknown) => Promise<string>) => {
      let id = '';
      await kysely
        .transaction()
        .execute(async (trx) => {
          id = await send(fromKysely(trx, CompiledQuery));
          if (end === 'rollback') throw new Error('rolled back');
        })
        .catch((error: Error) => {
          if (error.message !== 'rolled back') throw error;
        });
      return id;
    },
    drizzle: async (end: 'commit' | 'rollback', send: (handle: unknown) => Promise<string>) => {
      const db = drizzle({ client: pool });
      let id = '';
      await db
        .transaction(async (tx) => {
          id = await send(fromDrizzle(tx, sql));
          if (end === 'rollback') tx.rollback();
        })
        .catch((error: Error) => {
          if (error.constructor.name !== 'TransactionRollbackError') throw error;
        });
      return id;
    },
  };

  for (const [orm, inTransaction] of Object.entries(cases)) {
    it(`${orm}: a committed job is handled, a rolled-back one never`, async () => {
      const queue = broker.queue<{ n: number }>(`orm-${orm}-${++counter}`);
      await queue.provision();
      const { handled, worker } = recorder(queue);
      // A dedup id takes the claim statements through the bridge too.
      const gone = await inTransaction('rollback', (handle) =>
        queue.send({ n: 1 }, { transaction: handle, dedupId: 'd1' }),
      );
      const kept = await inTransaction('commit', (handle) =>
        queue.send({ n: 2 }, { transaction: handle, dedupId: 'd1', attributes: { via: orm } }),
      );
      await until('the committed job', () => handled.has(kept));
      await drainedUpTo(handled, () => queue.send({ n: 3 }));
      expect(handled.has(gone)).toBe(false);
      expect(handled.get(kept)).toEqual({ n: 2 });
      await worker.close();
    });
  }

  it('an ORM transaction given without its bridge is refused with ValidationError naming the bridges', async () => {
    const queue = broker.queue(`orm-raw-${++counter}`);
    await queue.provision();
    const sends: Promise<unknown>[] = [];
    await kysely.transaction().execute(async (trx) => {
      sends.push(queue.send({ n: 1 }, { transaction: trx }).catch((e: unknown) => e));
      await sends[0];
    });
    await drizzle({ client: pool }).transaction(async (tx) => {
      sends.push(queue.send({ n: 2 }, { transaction: tx }).catch((e: unknown) => e));
      await sends[1];
    });
    for (const error of await Promise.all(sends)) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/fromKysely, fromDrizzle/);
    }
    expect((await queue.stats()).ready).toBe(0);
  });

  it('drizzle: $n inside a quoted identifier is not a parameter', async () => {
    const chunks: string[] = [];
    const fakeSql = {
      raw: (text: string) => chunks.push(`raw:${text}`),
      param: (value: unknown) => chunks.push(`param:${String(value)}`),
      join: () => undefined,
    };
    const handle = fromDrizzle({ execute: async () => ({ rows: [] }) }, fakeSql);
    // The bridge's query, as the driver runs it: through the handle's runner.
    const runner = transactionRunner(handle, 'postgres', undefined);
    await runner.all('INSERT INTO "a$1"."jobs" VALUES ($1, $2)', ['x', 'y']);
    expect(chunks).toEqual([
      'raw:INSERT INTO "a$1"."jobs" VALUES (',
      'param:x',
      'raw:, ',
      'param:y',
      'raw:)',
    ]);
  });
});
