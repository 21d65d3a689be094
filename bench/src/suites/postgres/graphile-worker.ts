import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import { deferred, nowNs, secondsSince } from '../../measure.js';
import { payload } from '../../workload.js';
import { withinCaseLimit } from './case-limit.js';
import { CONNECTION_STRING, expectDrained, IDLE_POLL_MS, rowCount, withSchema } from './database.js';

/**
 * graphile-worker 0.17.3, the newest that runs on Node 20 (0.18 needs Node 22), as it runs by
 * default: no local queue (one job fetched per worker per round trip), no batched completions,
 * no batch jobs. Its `pollInterval` only paces a worker that found nothing (new jobs wake workers
 * by LISTEN/NOTIFY); it is IDLE_POLL_MS, like every subject's.
 */

const TASK = 'bench';

/** Its errors on stderr, nothing else: stdout stays a clean table. */
const logger = new Logger(() => (level, message) => {
  if (String(level) === 'error') console.error(`[graphile-worker] ${message}`);
});

/** `addJobs` (one statement per call) of `jobs` jobs into `schema`; returns seconds. */
async function addAll(schema: string, jobs: number, batchSize: number): Promise<number> {
  const utils = await makeWorkerUtils({ connectionString: CONNECTION_STRING, schema, logger });
  try {
    await utils.migrate();
    const start = nowNs();
    for (let sent = 0; sent < jobs; sent += batchSize) {
      const n = Math.min(batchSize, jobs - sent);
      await utils.addJobs(
        Array.from({ length: n }, (_, i) => ({ identifier: TASK, payload: payload(sent + i) })),
      );
    }
    return secondsSince(start);
  } finally {
    await utils.release();
  }
}

export function graphileSend(jobs: number, batchSize: number): Promise<number> {
  return withSchema('graphile', (schema) => addAll(schema, jobs, batchSize));
}

/**
 * `run` with `concurrency` workers on `jobs` pre-filled jobs, its pool sized to the concurrency
 * (as graphile-worker asks: it warns below that). Returns the seconds from `run` to the last
 * handler's start, as for polyqueue; the jobs table must then be empty.
 */
export function graphileProcess(jobs: number, concurrency: number, batchSize: number): Promise<number> {
  return withSchema('graphile', async (schema) => {
    await addAll(schema, jobs, batchSize);
    const done = deferred();
    let handled = 0;
    const start = nowNs();
    const runner = await run({
      connectionString: CONNECTION_STRING,
      schema,
      concurrency,
      maxPoolSize: concurrency,
      pollInterval: IDLE_POLL_MS,
      noHandleSignals: true,
      logger,
      taskList: {
        [TASK]: async () => {
          if (++handled === jobs) done.resolve();
        },
      },
    });
    try {
      await withinCaseLimit('graphile-worker', done.promise);
      const seconds = secondsSince(start);
      await expectDrained('graphile-worker', () => rowCount(schema, '_private_jobs'));
      return seconds;
    } finally {
      await runner.stop();
    }
  });
}
