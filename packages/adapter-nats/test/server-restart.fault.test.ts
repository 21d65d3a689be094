import { connect } from '@polyqueue/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sendUntilConfirmed } from '../../../test/support/send-confirmed.js';
import { PrivateNatsServer } from './private-nats-server.js';

const JOBS = 10_000;
const BATCH = 100;
/** Kill the server once this many jobs were sent: mid-stream, with work queued and in flight. */
const KILL_AFTER = 3_000;
const DEADLINE_MS = 120_000;

// A nats-server of this test's own (free port, temporary store), killed and restarted by its PID
// with the same store: the shared server on 4222 is never touched.
let server: PrivateNatsServer;

beforeAll(async () => {
  server = await PrivateNatsServer.start();
});

afterAll(async () => {
  await server?.stop();
});

it('a nats-server restart mid-stream loses no job: every sent job is handled at least once', async () => {
  const broker = await connect(server.url);
  try {
    const queue = broker.queue<{ n: number }>('restart', { leaseMs: 5_000, maxAttempts: 1_000 });
    await queue.provision();
    const handled = new Map<string, number>();
    let calls = 0;
    const worker = queue.process(
      (job) => {
        calls++;
        handled.set(job.id, (handled.get(job.id) ?? 0) + 1);
      },
      { concurrency: 32 },
    );
    const workerErrors: string[] = [];
    worker.on('error', (error) => workerErrors.push(error.message));

    const confirmed = new Set<string>();
    let retriedSends = 0;
    let restart: Promise<void> | undefined;
    const started = Date.now();
    for (let next = 0; next < JOBS; ) {
      if (restart === undefined && next >= KILL_AFTER) {
        restart = (async () => {
          await server.kill();
          await sleep(1_000); // a real outage: sends and acks meet a dead server
          await server.restart();
        })();
      }
      const items = Array.from({ length: Math.min(BATCH, JOBS - next) }, (_, i) => ({
        payload: { n: next + i },
      }));
      retriedSends += await sendUntilConfirmed(queue, items, confirmed, started + DEADLINE_MS);
      next += items.length;
    }
    await restart;

    while (![...confirmed].every((id) => handled.has(id))) {
      if (Date.now() - started > DEADLINE_MS) break;
      await sleep(100);
    }
    const lost = [...confirmed].filter((id) => !handled.has(id));
    const duplicates = calls - handled.size;
    console.log(
      `[nats fault] ${JOBS} jobs, ${confirmed.size} confirmed sends, ${retriedSends} sends retried after a retryable error, ` +
        `${handled.size} distinct jobs handled, ${lost.length} lost, ${duplicates} duplicate deliveries, ` +
        `${workerErrors.length} worker errors, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(confirmed.size).toBe(JOBS);
    expect(lost, 'confirmed jobs never handled').toEqual([]);
    await worker.close({ timeoutMs: 5_000 });
  } finally {
    await broker.close({ timeoutMs: 5_000 }).catch(() => undefined);
  }
}, 180_000);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
