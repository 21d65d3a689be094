// A producer process that dies mid-transaction (transactional-send-sqlite.test.ts): it opens its
// own connection on the file, begins a write transaction, writes a job in it with sendSync, tells
// the parent the job's id, and holds the transaction open until the parent SIGKILLs it.
import { connect } from '@polyqueue/core';
import Database from 'better-sqlite3';
import { createSqliteDriver } from '../src/index.js';

const [path, queueName] = process.argv.slice(2) as [string, string];
const broker = await connect({ driver: await createSqliteDriver({ path }) });
const queue = broker.queue(queueName);
const db = new Database(path);
db.pragma('busy_timeout = 5000');
db.exec('BEGIN IMMEDIATE');
const id = queue.sendSync({ order: 'o-crash' }, { transaction: db });
process.send?.({ id });
setInterval(() => undefined, 60_000); // never commits: the parent kills this process
