import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Broker, connect, QueueNotFoundError, ValidationError } from '@polyqueue/core';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteDriver, fromKysely } from '../src/index.js';
import { drainedUpTo, recorder, until } from './transaction-fixtures.js';

const CHILD = fileURLToPath(new URL('./transaction-crash-child.ts', import.meta.url));

// On SQLite the application's transaction is a better-sqlite3 Database's: synchronous inside
// db.transaction(fn) (queue.sendSync), or held across awaits after a manual BEGIN (await send).
describe('transactional send (sqlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pq-sqlite-tx-'));
  const path = join(dir, 'jobs.db');
  let broker: Broker;
  let db: Database.Database; // the application's own connection on the file
  let counter = 0;
  const queueName = () => `tx-${++counter}`;

  beforeAll(async () => {
    broker = await connect({ driver: await createSqliteDriver({ path, settings: { pollMs: 100 } }) });
    db = new Database(path);
    db.pragma('busy_timeout = 5000');
    db.exec('CREATE TABLE orders (id TEXT PRIMARY KEY)');
  });
  afterAll(async () => {
    await broker?.close();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insertOrder = (id: string) => db.prepare('INSERT INTO orders (id) VALUES (?)').run(id);
  const orders = () => db.prepare('SELECT id FROM orders').pluck().all() as string[];

  it('sendSync inside db.transaction(fn): committed with the row, then handled', async () => {
    const queue = broker.queue<{ order: string }>(queueName());
    await queue.provision();
    const id = db.transaction(() => {
      insertOrder('o-commit');
      return queue.sendSync({ order: 'o-commit' }, { transaction: db });
    })();
    const { handled, worker } = recorder(queue);
    await until('the committed job', () => handled.has(id));
    expect(handled.get(id)).toEqual({ order: 'o-commit' });
    expect(orders()).toContain('o-commit');
    await worker.close();
  });

  it('sendSync, then fn throws: rolled back with the row, never handled', async () => {
    const queue = broker.queue<{ order: string }>(queueName());
    await queue.provision();
    let rolledBack = '';
    expect(() =>
      db.transaction(() => {
        insertOrder('o-rollback');
        rolledBack = queue.sendSync({ order: 'o-rollback' }, { transaction: db });
        throw new Error('the order fails after the job was written');
      })(),
    ).toThrow(/order fails/);
    const { handled, worker } = recorder(queue);
    await drainedUpTo(handled, () => queue.send({ order: 'marker' }));
    expect(rolledBack).not.toBe('');
    expect(handled.has(rolledBack)).toBe(false);
    expect(orders()).not.toContain('o-rollback');
    await worker.close();
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, inFlight: 0, deadLettered: 0 });
  });

  it('drizzle on better-sqlite3: sendSync through db.$client inside its synchronous transaction', async () => {
    const queue = broker.queue<{ order: string }>(queueName());
    await queue.provision();
    const orm = drizzle({ client: db });
    let gone = '';
    try {
      orm.transaction((tx) => {
        gone = queue.sendSync({ order: 'o-drizzle-rollback' }, { transaction: orm.$client });
        tx.rollback();
      });
    } catch (error) {
      if ((error as Error).constructor.name !== 'TransactionRollbackError') throw error;
    }
    const kept = orm.transaction(() => queue.sendSync({ order: 'o-drizzle' }, { transaction: orm.$client }));
    const { handled, worker } = recorder(queue);
    await until('the committed job', () => handled.has(kept));
    await drainedUpTo(handled, () => queue.send({ order: 'marker' }));
    expect(gone).not.toBe('');
    expect(handled.has(gone)).toBe(false);
    await worker.close();
  });

  it('kysely on better-sqlite3: await send with the Database inside its transaction', async () => {
    const queue = broker.queue<{ order: string }>(queueName());
    await queue.provision();
    const kysely = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database: db }) });
    let gone = '';
    await kysely
      .transaction()
      .execute(async () => {
        gone = await queue.send({ order: 'o-kysely-rollback' }, { transaction: db });
        throw new Error('rolled back');
      })
      .catch((error: Error) => {
        if (error.message !== 'rolled back') throw error;
      });
    const kept = await kysely
      .transaction()
      .execute(() => queue.send({ order: 'o-kysely' }, { transaction: db }));
    const { handled, worker } = recorder(queue);
    await until('the committed job', () => handled.has(kept));
    await drainedUpTo(handled, () => queue.send({ order: 'marker' }));
    expect(gone).not.toBe('');
    expect(handled.has(gone)).toBe(false);
    await worker.close();
  });

  it('a failing sendSync throws inside fn, so the whole transaction rolls back', async () => {
    const unprovisioned = broker.queue(queueName());
    expect(() =>
      db.transaction(() => {
        insertOrder('o-orphan');
        unprovisioned.sendSync({ order: 'o-orphan' }, { transaction: db });
      })(),
    ).toThrow(QueueNotFoundError);
    expect(orders()).not.toContain('o-orphan');
  });

  it('await send after a manual BEGIN: visible on COMMIT, gone on ROLLBACK', async () => {
    const queue = broker.queue<{ order: string }>(queueName());
    await queue.provision();
    db.exec('BEGIN IMMEDIATE');
    const gone = await queue.send({ order: 'o-async-rollback' }, { transaction: db });
    db.exec('ROLLBACK');
    db.exec('BEGIN IMMEDIATE');
    const kept = await queue.send({ order: 'o-async-commit' }, { transaction: db });
    db.exec('COMMIT');
    const { handled, worker } = recorder(queue);
    await until('the committed job', () => handled.has(kept));
    await drainedUpTo(handled, () => queue.send({ order: 'marker' }));
    expect(handled.has(gone)).toBe(false);
    expect(handled.size).toBe(2);
    await worker.close();
  });

  it('a Database outside any transaction, or the broker’s own one, is refused with ValidationError', async () => {
    const queue = broker.queue(queueName());
    await queue.provision();
    await expect(queue.send({ n: 1 }, { transaction: db })).rejects.toThrow(/not inside a transaction/);
    // Not awaited inside fn (it cannot be): it runs after the commit and must fail, not write.
    let pending: Promise<string> | undefined;
    db.transaction(() => {
      pending = queue.send({ n: 2 }, { transaction: db });
    })();
    await expect(pending).rejects.toBeInstanceOf(ValidationError);
    const own = broker.native() as Database.Database;
    own.exec('BEGIN IMMEDIATE');
    try {
      await expect(queue.send({ n: 3 }, { transaction: own })).rejects.toThrow(/broker's own Database/);
    } finally {
      own.exec('ROLLBACK');
    }
    expect(() => queue.sendSync({ n: 4 }, { transaction: db })).toThrow(/not inside a transaction/);
    // Handles of the other dialect, and things that are no handle at all.
    const pgLike = { query: async () => ({ rows: [] }) };
    await expect(queue.send({ n: 5 }, { transaction: pgLike })).rejects.toThrow(/node-postgres client/);
    const kyselyLike = fromKysely({ executeQuery: async () => ({ rows: [] }) }, { raw: () => ({}) });
    await expect(queue.send({ n: 6 }, { transaction: kyselyLike })).rejects.toThrow(/postgres bridge/);
    await expect(queue.send({ n: 7 }, { transaction: 'db' })).rejects.toThrow(
      /better-sqlite3 Database inside a transaction$/,
    );
    expect((await queue.stats()).ready).toBe(0);
  });

  it('a producer process killed mid-transaction: its job is never handled, its lock is released', async () => {
    const queue = broker.queue<{ order: string }>(queueName());
    await queue.provision();
    const child = fork(CHILD, [path, queue.name], {
      execArgv: ['--import', 'tsx', '--conditions=@polyqueue/source'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const lost = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the child sent no job id in 30 s')), 30_000);
        child.once('message', (message: { id: string }) => {
          clearTimeout(timer);
          resolve(message.id);
        });
        child.once('exit', (code) => reject(new Error(`the child exited early (${code})`)));
      });
      child.kill('SIGKILL');
      await exited;
      // Workers start only now: one in this process would wait on the child's write lock.
      const { handled, worker } = recorder(queue);
      await drainedUpTo(handled, () => queue.send({ order: 'marker' }));
      expect(handled.has(lost)).toBe(false);
      expect([...handled.values()]).toEqual([{ order: 'marker' }]);
      await worker.close();
      expect(await queue.stats()).toMatchObject({ ready: 0, inFlight: 0 });
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
