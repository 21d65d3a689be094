import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect } from '@polyqueue/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sendUntilConfirmed } from '../../../test/support/send-confirmed.js';
import { PrivateRedisServer } from './private-redis-server.js';

const JOBS = 20_000;
const BATCH = 250;
/** Every this many jobs, one is delayed, so the delayed set and its forwarder live through the crashes too. */
const DELAYED_EVERY = 20;
const DEADLINE_MS = 150_000;
const WORKER = fileURLToPath(new URL('./fault-worker.ts', import.meta.url));

// A redis-server of this test's own (free port, temp dir, appendonly yes + appendfsync always),
// SIGKILLed and restarted by its PID with the same append-only file; 6379 is never touched.
let server: PrivateRedisServer;
let child: ChildProcess | undefined;

beforeAll(async () => {
  server = await PrivateRedisServer.start();
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await server?.stop();
});

it('20,000 jobs through two Redis SIGKILLs and a worker SIGKILL: none lost, duplicates counted', async () => {
  const url = `${server.url}?command_timeout=2s`;
  const broker = await connect(url);
  const backgroundErrors: string[] = [];
  broker.on('error', (error, info) => backgroundErrors.push(`${info.action}: ${error.message}`));
  try {
    const queue = broker.queue<{ n: number }>('crash', { leaseMs: 2_000, maxAttempts: 1_000 });
    await queue.provision();
    const handled = new Map<string, number>();
    let calls = 0;
    const record = (id: string) => {
      calls++;
      handled.set(id, (handled.get(id) ?? 0) + 1);
    };
    const worker = queue.process((job) => record(job.id), { concurrency: 16 });
    const workerErrors: string[] = [];
    worker.on('error', (error) => workerErrors.push(error.message));

    // The second worker, in a process of its own, reports each job before acking it.
    child = fork(WORKER, [url], {
      execArgv: ['--import', 'tsx', '--conditions=@polyqueue/source'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let childCalls = 0;
    await new Promise<void>((resolve, reject) => {
      child!.on('message', (message: { id?: string; ready?: boolean }) => {
        if (message.ready) resolve();
        if (message.id !== undefined) {
          childCalls++;
          record(message.id);
        }
      });
      child!.once('exit', (code) => reject(new Error(`the worker process exited early (${code})`)));
    });

    const faults: Record<number, () => Promise<void>> = {
      5000: () => crashRedis(server),
      10000: async () => {
        child!.kill('SIGKILL');
      },
      15000: () => crashRedis(server),
    };
    const running: Promise<void>[] = [];
    const confirmed = new Set<string>();
    let retriedSends = 0;
    const started = Date.now();
    for (let next = 0; next < JOBS; ) {
      const fault = faults[next];
      if (fault) running.push(fault());
      const items = Array.from({ length: Math.min(BATCH, JOBS - next) }, (_, i) => {
        const n = next + i;
        return { payload: { n }, options: n % DELAYED_EVERY === 0 ? { delay: 500 } : {} };
      });
      retriedSends += await sendUntilConfirmed(queue, items, confirmed, started + DEADLINE_MS);
      next += BATCH;
    }
    await Promise.all(running);

    while (![...confirmed].every((id) => handled.has(id)) && Date.now() - started < DEADLINE_MS)
      await sleep(100);
    const lost = [...confirmed].filter((id) => !handled.has(id));
    const duplicates = calls - handled.size;
    console.log(
      `[redis fault] ${JOBS} jobs (${JOBS / DELAYED_EVERY} delayed), ${confirmed.size} confirmed sends, ` +
        `${retriedSends} sends retried after a retryable error, ${handled.size} distinct jobs handled ` +
        `(${childCalls} calls in the killed worker process), ${lost.length} lost, ${duplicates} duplicate deliveries, ` +
        `${workerErrors.length} worker errors, ${backgroundErrors.length} background errors (${summary(backgroundErrors)}), ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(confirmed.size).toBe(JOBS);
    expect(lost, 'confirmed jobs never handled').toEqual([]);
    expect(childCalls, 'the killed worker process had handled jobs').toBeGreaterThan(0);
    await worker.close({ timeoutMs: 5_000 });
  } finally {
    await broker.close({ timeoutMs: 5_000 }).catch(() => undefined);
  }
}, 180_000);

/** A real outage: sends, reads and acks meet a dead server for a second. */
async function crashRedis(target: PrivateRedisServer): Promise<void> {
  await target.kill();
  await sleep(1_000);
  await target.restart();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How many reports of each action: `connection × 4, forward-pull × 2`. */
function summary(reports: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const report of reports) {
    const action = report.slice(0, report.indexOf(':'));
    counts.set(action, (counts.get(action) ?? 0) + 1);
  }
  return [...counts].map(([action, n]) => `${action} × ${n}`).join(', ');
}
