import { ValidationError } from '@polyqueue/core';
import type { OutgoingMessage, SendOutcome } from '@polyqueue/core/driver';
import type { Dialect } from './dialect.js';
import { storedHeaders } from './job-rows.js';
import type { QueueContext } from './queue-context.js';
import type { Row } from './sql-executor.js';
import type { SqlSettings } from './sql-options.js';
import {
  DEDUP_CLAIM,
  DEDUP_FORGET,
  DEDUP_HOLDER,
  INSERT_JOBS_COLUMNS,
  INSERT_ROW_PARAMS,
  insertJobs,
} from './statements.js';
import { sqliteTransactionRunner } from './transaction-handle.js';

/** One rendered statement and its parameters; the runner answers with its rows. */
export type SqlStep = readonly [sql: string, params: readonly unknown[]];

/**
 * A send's statements, as a generator the caller runs: yields each statement, is resumed with its
 * rows, returns the outcomes. The same statements as `SqlDriver`'s send (dedup claims, then one
 * INSERT); written as steps so that they also run synchronously, inside a better-sqlite3
 * `db.transaction(fn)` (`sendSync`), where an `await` would land after the commit.
 */
export function* sendStatements(
  dialect: Dialect,
  settings: SqlSettings,
  queue: string,
  messages: readonly OutgoingMessage[],
): Generator<SqlStep, SendOutcome[], Row[]> {
  const sql = (template: string) => dialect.sql(template);
  const outcomes: SendOutcome[] = messages.map(() => OK);
  // Dedup ids are claimed in id order, whatever the batch's order: two transactions sharing ids
  // then lock them in the same order and never wait for each other in a cycle (a deadlock).
  const claims = messages
    .flatMap((message, i) => (message.meta.dedupId === undefined ? [] : [i]))
    .sort((x, y) => compareText(messages[x]!.meta.dedupId!, messages[y]!.meta.dedupId!));
  for (const i of claims) {
    const { dedupId, id } = messages[i]!.meta;
    yield [sql(DEDUP_FORGET), [queue, dedupId]];
    const claimed = yield [sql(DEDUP_CLAIM), [queue, dedupId, id, settings.dedupWindowMs]];
    if (claimed.length === 0) {
      const [holder] = yield [sql(DEDUP_HOLDER), [queue, dedupId]];
      outcomes[i] = { ok: true, duplicateOf: String(holder?.job_id ?? id) };
    }
  }
  const inserted = messages.filter((_, i) => outcomes[i] === OK); // not the duplicates
  if (inserted.length > 0) yield insertStep(dialect, queue, inserted);
  return outcomes;
}

/** The INSERT of `messages` (none a duplicate), in the dialect's shape: rows or column arrays. */
function insertStep(dialect: Dialect, queue: string, messages: readonly OutgoingMessage[]): SqlStep {
  const row = (message: OutgoingMessage) => {
    const { meta } = message;
    return [
      meta.id,
      message.body,
      storedHeaders(meta, message.attributes),
      meta.notBefore ?? null,
      meta.orderingKey ?? null,
      meta.dedupId ?? null,
      meta.enqueuedAt,
      meta.attemptOffset,
    ];
  };
  const rows = messages.map(row);
  if (dialect.columnarInsert) {
    const columns = rows[0]!.map((_, c) => rows.map((values) => values[c]));
    return [dialect.sql(INSERT_JOBS_COLUMNS), [queue, ...columns]];
  }
  const params = rows.flatMap((values) => [queue, ...values]);
  if (params.length !== rows.length * INSERT_ROW_PARAMS) throw new Error('insert row shape changed');
  return [dialect.sql(insertJobs(rows.length)), params];
}

/** Runs the steps synchronously, each through `run`. */
export function runStepsSync(
  steps: Generator<SqlStep, SendOutcome[], Row[]>,
  run: (sql: string, params: readonly unknown[]) => Row[],
): SendOutcome[] {
  let step = steps.next();
  while (!step.done) step = steps.next(run(step.value[0], step.value[1]));
  return step.value;
}

/**
 * `Queue.sendSync` on SQLite: writes the messages through the application's better-sqlite3
 * Database, inside its `db.transaction(fn)`, before returning; a failure throws, so `fn` throws
 * and rolls back. Receivers of this process are woken once the current synchronous work (the
 * transaction) is over; other processes find the job by their poll, as for any SQLite send.
 */
export function sendSyncInTransaction(
  queue: QueueContext,
  messages: readonly OutgoingMessage[],
  handle: unknown,
): SendOutcome[] {
  if (queue.dialect.name !== 'sqlite')
    throw new ValidationError(
      'sendSync is for SQLite, whose transactions are synchronous; on PostgreSQL, await queue.send(payload, { transaction: client })',
    );
  const run = sqliteTransactionRunner(handle);
  const steps = sendStatements(queue.dialect, queue.settings, queue.topology.name, messages);
  const outcomes = runStepsSync(steps, run);
  if (outcomes.some((outcome) => outcome.ok && outcome.duplicateOf === undefined)) void queue.notify();
  return outcomes;
}

const OK: SendOutcome = Object.freeze({ ok: true });

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
