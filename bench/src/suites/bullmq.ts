import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { LOCAL_REDIS, localRedisUnavailable } from '../local-redis.js';
import { deferred, nowNs, secondsSince } from '../measure.js';
import type { Row } from '../report.js';
import type { Suite, SuiteOptions } from '../suite.js';
import { payload } from '../workload.js';

const REDIS = LOCAL_REDIS;
/** The peer's settings from the NATS issue: concurrency 50, no-op jobs. */
export const BULLMQ_CONCURRENCY = 50;
const MAX_JOBS = 50_000;

/** BullMQ 6 processing `jobs` pre-filled no-op jobs at concurrency 50; returns jobs/s. */
export async function bullmqProcessRate(jobs: number): Promise<number> {
  const name = `pq-bench-${randomBytes(3).toString('hex')}`;
  const queue = new Queue(name, { connection: REDIS });
  try {
    for (let sent = 0; sent < jobs; sent += 1_000) {
      const count = Math.min(1_000, jobs - sent);
      await queue.addBulk(
        Array.from({ length: count }, (_, i) => ({ name: 'job', data: payload(sent + i) })),
      );
    }
    const done = deferred();
    let handled = 0;
    const start = nowNs();
    const worker = new Worker(
      name,
      async () => {
        if (++handled === jobs) done.resolve();
      },
      { connection: REDIS, concurrency: BULLMQ_CONCURRENCY, removeOnComplete: { count: 0 } },
    );
    await done.promise;
    const seconds = secondsSince(start);
    await worker.close();
    return jobs / seconds;
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

export const bullmqSuite: Suite = {
  name: 'bullmq',
  description: `BullMQ 6 on Redis ${REDIS.host}:${REDIS.port} (concurrency ${BULLMQ_CONCURRENCY}, no-op jobs): the peer for the NATS adapter`,
  unavailable: localRedisUnavailable,
  async run(o: SuiteOptions): Promise<Row[]> {
    const jobs = Math.min(o.jobs, MAX_JOBS);
    o.log(
      `bullmq: process ${jobs.toLocaleString('en-US')} pre-filled jobs at concurrency ${BULLMQ_CONCURRENCY}`,
    );
    const rate = await bullmqProcessRate(jobs);
    return [
      {
        suite: 'bullmq',
        metric: `process, pre-filled, c=${BULLMQ_CONCURRENCY}`,
        subject: 'bullmq',
        value: rate,
        unit: 'jobs/s',
        note: `${jobs.toLocaleString('en-US')} no-op jobs, addBulk 1,000 per call`,
      },
    ];
  },
};
