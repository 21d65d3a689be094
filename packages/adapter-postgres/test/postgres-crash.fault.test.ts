import { connect } from '@polyqueue/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sendUntilConfirmed } from '../../../test/support/send-confirmed.js';
import { PrivatePostgresServer } from './private-postgres-server.js';
import { killChild, sleep, startWorker, summary, Tally } from './sql-fault-children.js';

const JOBS = 20_000;
const BATCH = 250;
/** Every this many jobs, one is delayed, so not-yet-due rows live through the crashes too. */
const DELAYED_EVERY = 20;
const LEASE_MS = 2_000;
const DEADLINE_MS = 110_000;
const QUEUE = 'crash';

// A PostgreSQL of this test's own (initdb in a temp dir, a free port, fsync on), its postmaster
// SIGKILLed and started again on the same data directory; 5432 is never touched.
let server: PrivatePostgresServer;
const workers: { child: import('node:child_process').ChildProcess }[] = [];

beforeAll(async () => {
  server = await PrivatePostgresServer.start();
});

afterAll(async () => {
  for (const worker of workers) await killChild(worker.child).catch(() => undefined);
  await server?.stop();
});

it('20,000 jobs through two PostgreSQL crashes and a worker SIGKILL: none lost, duplicates counted', async () => {
  const url = `${server.url}?connect_timeout=2s&poll_interval=200ms`;
  const broker = await connect(url);
  const producerErrors: string[] = [];
  broker.on('error', (error, info) => producerErrors.push(`${info.action}: ${error.message}`));
  try {
    const queue = broker.queue<{ n: number }>(QUEUE, { leaseMs: LEASE_MS, maxAttempts: 1_000 });
    await queue.provision();
    const tally = new Tally();
    const first = await startWorker(url, QUEUE, LEASE_MS, tally);
    workers.push(first);
    let second: Awaited<ReturnType<typeof startWorker>> | undefined;

    const faults: Record<number, () => Promise<void>> = {
      5000: () => crashPostgres(server),
      10000: async () => {
        await killChild(first.child);
        second = await startWorker(url, QUEUE, LEASE_MS, tally);
        workers.push(second);
      },
      15000: () => crashPostgres(server),
    };
    const running: Promise<void>[] = [];
    const confirmed = new Set<string>();
    let retriedSends = 0;
    const started = Date.now();
    for (let next = 0; next < JOBS; ) {
      const fault = faults[next];
      if (fault) {
        // One fault at a time: the successor worker starts once the server is back, not mid-outage.
        const previous = running.at(-1) ?? Promise.resolve();
        running.push(previous.then(() => timed(`${next}`, fault)));
      }
      const items = Array.from({ length: Math.min(BATCH, JOBS - next) }, (_, i) => {
        const n = next + i;
        return { payload: { n }, options: n % DELAYED_EVERY === 0 ? { delay: 500 } : {} };
      });
      retriedSends += await sendUntilConfirmed(queue, items, confirmed, started + DEADLINE_MS);
      next += BATCH;
    }
    await Promise.all(running);

    while (![...confirmed].every((id) => tally.handled.has(id)) && Date.now() - started < DEADLINE_MS)
      await sleep(100);
    const lost = [...confirmed].filter((id) => !tally.handled.has(id));
    const errors = [...producerErrors, ...tally.backgroundErrors];
    console.log(
      `[postgres fault] ${JOBS} jobs (${JOBS / DELAYED_EVERY} delayed), ${confirmed.size} confirmed sends, ` +
        `${retriedSends} sends retried after a retryable error, ${tally.handled.size} distinct jobs handled ` +
        `(${first.calls()} calls in the killed worker process, ${second?.calls() ?? 0} in its successor), ` +
        `${lost.length} lost, ${tally.duplicates} duplicate deliveries, ${tally.workerErrors.length} worker errors, ` +
        `${errors.length} background errors (${summary(errors)}), ${((Date.now() - started) / 1000).toFixed(1)} s; faults at ${timeline.join(', ')}`,
    );
    if (tally.workerErrors.length > 0)
      console.log(
        `[postgres fault] worker errors: ${[...new Set(tally.workerErrors)].slice(0, 5).join(' | ')}`,
      );
    expect(confirmed.size).toBe(JOBS);
    expect(lost, 'confirmed jobs never handled').toEqual([]);
    expect(first.calls(), 'the killed worker process had handled jobs').toBeGreaterThan(0);
    expect(second?.calls(), 'its successor handled jobs').toBeGreaterThan(0);
    // Both outages met a live connection somewhere: the adapter reported it, never swallowed it.
    expect(errors.length + tally.workerErrors.length, 'the outages were reported').toBeGreaterThan(0);
  } finally {
    await broker.close({ timeoutMs: 5_000 }).catch(() => undefined);
  }
}, 150_000);

const timeline: string[] = [];
async function timed(label: string, fault: () => Promise<void>): Promise<void> {
  const start = Date.now();
  await fault();
  timeline.push(`${label}: ${Date.now() - start} ms`);
}

/** A real outage: every connection dies with the server, which comes back a second later. */
async function crashPostgres(target: PrivatePostgresServer): Promise<void> {
  await target.kill();
  await sleep(1_000);
  await target.restart();
}
