import { type Broker, connect } from '@polyqueue/core';
import { medianAfterGc } from '../measure.js';
import type { Row, Target } from '../report.js';
import type { Suite, SuiteOptions } from '../suite.js';
import { fill, processPrefilled, sendBatches } from '../workload.js';
import { IDLE_POLL_MS, POSTGRES_URL, postgresUnavailable, withSchema } from './postgres/database.js';
import { graphileProcess, graphileSend } from './postgres/graphile-worker.js';
import { PG_BOSS_POLLING_SECONDS, pgBossProcess, pgBossSend } from './postgres/pg-boss.js';
import { sqliteProcess, sqliteSend } from './postgres/sqlite.js';

/** Jobs per case: a few seconds a case on two cores, for polyqueue and graphile-worker alike. */
const MAX_JOBS = 20_000;
/**
 * pg-boss without batching handles at most `concurrency / 0.5 s` jobs a second (see pg-boss.ts):
 * 128 at c=64. 2,560 jobs keep its case near 20 s; a jobs/s figure does not depend on the count.
 */
const MAX_PG_BOSS_JOBS = 2_560;
/** The targets of issue 17. */
const PG_BOSS_TARGET: Target = { op: '>=', value: 1.5 };
const GRAPHILE_TARGET: Target = { op: '>=', value: 1 };
const SQLITE_PROCESSES = 3;

const count = (n: number) => n.toLocaleString('en-US');

/** A polyqueue broker on its own schema (dropped afterwards), polling as seldom as the peers. */
function withPolyqueue<T>(use: (broker: Broker) => Promise<T>): Promise<T> {
  return withSchema('polyqueue', async (schema) => {
    const broker = await connect(`${POSTGRES_URL}?schema=${schema}&poll_interval=${IDLE_POLL_MS}ms`);
    try {
      return await use(broker);
    } finally {
      await broker.close();
    }
  });
}

export const postgresSuite: Suite = {
  name: 'postgres',
  description: `the PostgreSQL adapter (${POSTGRES_URL}) against pg-boss 10 and graphile-worker 0.17 on the same server, and the SQLite dialect with 1 and ${SQLITE_PROCESSES} processes`,
  unavailable: postgresUnavailable,
  async run(o: SuiteOptions): Promise<Row[]> {
    const rows: Row[] = [];
    const add = (
      suite: string,
      metric: string,
      subject: string,
      value: number,
      unit: string,
      extra?: Partial<Row>,
    ) => rows.push({ suite, metric, subject, value, unit, ...extra });
    const jobs = Math.min(o.jobs, MAX_JOBS);
    const bossJobs = Math.min(jobs, MAX_PG_BOSS_JOBS);
    const c = o.concurrency;
    const perCall = `${count(o.batchSize)} per call`;

    o.log(
      `postgres: send ${count(jobs)} jobs, ${perCall}, ${o.repeats}x: polyqueue, pg-boss, graphile-worker`,
    );
    const sendMetric = `send, ${perCall}`;
    const pqSend = await medianAfterGc(o.repeats, () =>
      withPolyqueue((broker) => sendBatches(broker, 'send', jobs, o.batchSize)),
    );
    const bossSend = await medianAfterGc(o.repeats, () => pgBossSend(jobs, o.batchSize));
    const gwSend = await medianAfterGc(o.repeats, () => graphileSend(jobs, o.batchSize));
    add('postgres', sendMetric, 'polyqueue', jobs / pqSend, 'jobs/s', {
      note: `${count(jobs)} jobs; sendBatch (one INSERT ... unnest per 500)`,
    });
    add('postgres', sendMetric, 'pg-boss', jobs / bossSend, 'jobs/s', {
      note: 'insert(jobs), pg-boss 10.4.2',
    });
    add('postgres', sendMetric, 'graphile-worker', jobs / gwSend, 'jobs/s', {
      note: 'addJobs(specs), graphile-worker 0.17.3',
    });

    o.log(`postgres: process pre-filled jobs at concurrency ${c}, ${o.repeats}x each`);
    const processMetric = `process, pre-filled, c=${c}`;
    const pqProcess = await medianAfterGc(o.repeats, () =>
      withPolyqueue(async (broker) => {
        await fill(broker, 'process', jobs, o.batchSize);
        return (await processPrefilled(broker, 'process', jobs, c)).seconds;
      }),
    );
    const gwProcess = await medianAfterGc(o.repeats, () => graphileProcess(jobs, c, o.batchSize));
    const bossProcess = await medianAfterGc(o.repeats, () => pgBossProcess(bossJobs, c, o.batchSize));
    const pqRate = jobs / pqProcess;
    const gwRate = jobs / gwProcess;
    const bossRate = bossJobs / bossProcess;
    add('postgres', processMetric, 'polyqueue', pqRate, 'jobs/s', {
      note: `${count(jobs)} no-op jobs, poll_interval ${IDLE_POLL_MS} ms, pool_max 10 (default)`,
    });
    add('postgres', processMetric, 'graphile-worker', gwRate, 'jobs/s', {
      note: `${count(jobs)} jobs; concurrency ${c}, maxPoolSize ${c}, pollInterval ${IDLE_POLL_MS} ms, no local queue`,
    });
    add('postgres', processMetric, 'pg-boss', bossRate, 'jobs/s', {
      note: `${count(bossJobs)} jobs; ${c} workers, batchSize 1, pollingIntervalSeconds ${PG_BOSS_POLLING_SECONDS} (its minimum, slept after every fetch)`,
    });
    add('postgres', 'process, polyqueue / pg-boss', 'polyqueue', pqRate / bossRate, '×', {
      target: PG_BOSS_TARGET,
    });
    add('postgres', 'process, polyqueue / graphile-worker', 'polyqueue', pqRate / gwRate, '×', {
      target: GRAPHILE_TARGET,
    });

    o.log(
      `sqlite: send ${count(jobs)} jobs; process them with 1 and ${SQLITE_PROCESSES} processes, c=${c} each`,
    );
    const liteSend = await medianAfterGc(o.repeats, () => sqliteSend(jobs, o.batchSize));
    add('sqlite', sendMetric, 'polyqueue', jobs / liteSend, 'jobs/s', {
      note: `${count(jobs)} jobs into a fresh file (WAL, synchronous NORMAL)`,
    });
    for (const processes of [1, SQLITE_PROCESSES]) {
      const seconds = await medianAfterGc(o.repeats, () => sqliteProcess(jobs, processes, c, o.batchSize));
      add(
        'sqlite',
        `process, pre-filled, ${processes} process${processes > 1 ? 'es' : ''}`,
        'polyqueue',
        jobs / seconds,
        'jobs/s',
        {
          note: `${count(jobs)} no-op jobs, one file, c=${c} per process (child processes)`,
        },
      );
    }
    return rows;
  },
};
