import PgBoss from 'pg-boss';
import { deferred, nowNs, secondsSince } from '../../measure.js';
import { type Payload, payload } from '../../workload.js';
import { withinCaseLimit } from './case-limit.js';
import { CONNECTION_STRING, expectDrained, IDLE_POLL_MS, withSchema } from './database.js';

/**
 * pg-boss 10.4.2, the newest that runs on Node 20 (11 and 12 need Node 22). Its worker waits
 * `pollingIntervalSeconds` after every fetch, even one that found jobs, unless notified; 0.5 s is
 * the least it accepts, so that is what runs here. With `batchSize: 1` (no batching) each of the
 * `concurrency` workers handles at most one job per 0.5 s: the bound is the library's, not idle
 * time of this harness.
 */
export const PG_BOSS_POLLING_SECONDS = IDLE_POLL_MS / 1_000;

const QUEUE = 'bench';

/**
 * A started pg-boss in its own schema, without the cron scheduler and the maintenance loop: a
 * run of seconds never reaches their intervals, and they would only add queries to the count.
 */
async function withBoss<T>(use: (boss: PgBoss) => Promise<T>): Promise<T> {
  return withSchema('pgboss', async (schema) => {
    const boss = new PgBoss({
      connectionString: CONNECTION_STRING,
      schema,
      schedule: false,
      supervise: false,
      pollingIntervalSeconds: PG_BOSS_POLLING_SECONDS,
    });
    const errors: Error[] = [];
    boss.on('error', (error) => errors.push(error));
    await boss.start();
    try {
      await boss.createQueue(QUEUE);
      const result = await use(boss);
      if (errors.length > 0)
        throw new Error(`bench: pg-boss reported ${errors.length} errors, first: ${errors[0]}`);
      return result;
    } finally {
      await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
    }
  });
}

async function insertAll(boss: PgBoss, jobs: number, batchSize: number): Promise<void> {
  for (let sent = 0; sent < jobs; sent += batchSize) {
    const n = Math.min(batchSize, jobs - sent);
    await boss.insert(Array.from({ length: n }, (_, i) => ({ name: QUEUE, data: payload(sent + i) })));
  }
}

/** `insert` (pg-boss's batch send, one statement per call) of `jobs` jobs; returns seconds. */
export function pgBossSend(jobs: number, batchSize: number): Promise<number> {
  return withBoss(async (boss) => {
    const start = nowNs();
    await insertAll(boss, jobs, batchSize);
    return secondsSince(start);
  });
}

/**
 * `concurrency` workers of `batchSize: 1` on `jobs` pre-filled jobs. Returns the seconds from the
 * first `work` call to the last handler's start, as for polyqueue; the jobs must then all be
 * completed (pg-boss completes after the handler without awaiting it).
 */
export function pgBossProcess(jobs: number, concurrency: number, batchSize: number): Promise<number> {
  return withBoss(async (boss) => {
    await insertAll(boss, jobs, batchSize);
    const done = deferred();
    let handled = 0;
    const start = nowNs();
    const handler = async (batch: PgBoss.Job<Payload>[]) => {
      handled += batch.length;
      if (handled >= jobs) done.resolve();
    };
    await Promise.all(
      Array.from({ length: concurrency }, () => boss.work<Payload>(QUEUE, { batchSize: 1 }, handler)),
    );
    await withinCaseLimit('pg-boss', done.promise);
    const seconds = secondsSince(start);
    await boss.offWork(QUEUE);
    await expectDrained('pg-boss', () => boss.getQueueSize(QUEUE, { before: 'completed' }));
    return seconds;
  });
}
