import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Broker, connect, STATS_FIELDS } from '@polyqueue/core';
import { nowNs } from '../../measure.js';
import { fill, sendBatches } from '../../workload.js';
import { withinCaseLimit } from './case-limit.js';
import type { ParentMessage, WorkerMessage } from './sqlite-worker.js';

/** `.ts` under tsx (npm run bench), `.js` when compiled: the child runs what the parent runs. */
const WORKER = fileURLToPath(
  new URL(`./sqlite-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);
/** Bound on a child's connecting, and on its closing after `stop`. */
const CHILD_TIMEOUT_MS = 30_000;

/** Runs `use` with a SQLite file in a fresh temporary directory, removed afterwards. */
export async function withSqliteFile<T>(use: (url: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pq-bench-sqlite-'));
  try {
    return await use(`sqlite://${join(dir, 'jobs.db')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** sendBatch of `jobs` jobs into a fresh file, from this process; returns seconds. */
export function sqliteSend(jobs: number, batchSize: number): Promise<number> {
  return withSqliteFile(async (url) => {
    const broker = await connect(url);
    try {
      return await sendBatches(broker, 'send', jobs, batchSize);
    } finally {
      await broker.close();
    }
  });
}

/**
 * `processes` worker processes, `concurrency` handlers each, on one file pre-filled with `jobs`
 * jobs. Returns the seconds from `start` (every child connected) to the last handler's start in
 * any of them; the queue must then be empty.
 */
export function sqliteProcess(
  jobs: number,
  processes: number,
  concurrency: number,
  batchSize: number,
): Promise<number> {
  return withSqliteFile(async (url) => {
    const name = 'process';
    await withBroker(url, (broker) => fill(broker, name, jobs, batchSize));
    const children = Array.from({ length: processes }, () => fork(WORKER, [url, name, String(concurrency)]));
    try {
      await Promise.all(children.map((child) => until(child, (m) => m.type === 'ready')));
      let handled = 0;
      let lastNs = 0n;
      const allHandled = new Promise<void>((resolve, reject) => {
        for (const child of children) {
          child.on('message', (m: WorkerMessage) => {
            if (m.type !== 'handled') return;
            handled += m.handled;
            if (BigInt(m.lastNs) > lastNs) lastNs = BigInt(m.lastNs);
            if (handled > jobs) reject(new Error(`bench: ${handled} handlers ran for ${jobs} jobs`));
            if (handled === jobs) resolve();
          });
          child.once('exit', (code) =>
            reject(new Error(`bench: a SQLite worker exited early (code ${code})`)),
          );
        }
      });
      const start = nowNs();
      for (const child of children) child.send('start' satisfies ParentMessage);
      await withinCaseLimit('the SQLite workers', allHandled);
      const seconds = Number(lastNs - start) / 1e9;
      await Promise.all(children.map((child) => stop(child)));
      await withBroker(url, (broker) => expectEmpty(broker, name));
      return seconds;
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill();
    }
  });
}

async function withBroker<T>(url: string, use: (broker: Broker) => Promise<T>): Promise<T> {
  const broker = await connect(url);
  try {
    return await use(broker);
  } finally {
    await broker.close();
  }
}

/** The child's first message that `matches`, or an error if it exits or takes too long first. */
function until(child: ChildProcess, matches: (m: WorkerMessage) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('bench: a SQLite worker did not start in time')),
      CHILD_TIMEOUT_MS,
    );
    child.on('message', (m: WorkerMessage) => {
      if (matches(m)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench: a SQLite worker exited (code ${code}) before it was ready`));
    });
  });
}

/** Tells the child to close its worker and broker, and waits for a clean exit. */
function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('bench: a SQLite worker did not close in time')),
      CHILD_TIMEOUT_MS,
    );
    child.removeAllListeners('exit');
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`bench: a SQLite worker exited with code ${code}`));
    });
    child.send('stop' satisfies ParentMessage);
  });
}

async function expectEmpty(broker: Broker, name: string): Promise<void> {
  const stats = await broker.queue(name).stats();
  if (!STATS_FIELDS.every((field) => (stats[field] ?? 0) === 0))
    throw new Error(`bench: SQLite queue not drained: ${JSON.stringify(stats)}`);
}
