import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { connect } from '@polyqueue/core';
import { afterAll, expect, it } from 'vitest';
import { type TempDir, tempDir } from '../../../test/support/temp-dir.js';
import { killChild, sleep, startProducer, startWorker, summary, Tally } from './sql-fault-children.js';

const PER_PRODUCER = 30_000;
const PRODUCERS = 2;
const WORKERS = 3;
const LEASE_MS = 1_000;
const KILL_EVERY_MS = 1_000;
const DEADLINE_MS = 75_000;
const QUEUE = 'processes';

let dir: TempDir | undefined;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) await killChild(child).catch(() => undefined);
  dir?.remove();
});

it('SQLite, one file (WAL): 3 worker processes, one SIGKILLed every second and replaced, and 2 producer processes: none lost', async () => {
  dir = tempDir('pq-sqlite-fault');
  const url = `sqlite://${join(dir.path, 'jobs.db')}`;
  const setup = await connect(url);
  await setup.queue(QUEUE, { leaseMs: LEASE_MS, maxAttempts: 1_000 }).provision();
  await setup.close({ timeoutMs: 5_000 });

  const tally = new Tally();
  const workers = [];
  for (let i = 0; i < WORKERS; i++) workers.push(await startWorker(url, QUEUE, LEASE_MS, tally));
  for (const worker of workers) children.push(worker.child);
  const confirmed = new Set<string>();
  const producerErrors: string[] = [];
  const producers = Array.from({ length: PRODUCERS }, () =>
    startProducer(url, QUEUE, PER_PRODUCER, confirmed, producerErrors),
  );
  for (const producer of producers) children.push(producer.child);

  const started = Date.now();
  let killed = 0;
  let sending = true;
  const sent = Promise.all(producers.map((producer) => producer.done)).finally(() => {
    sending = false;
  });
  while (Date.now() - started < DEADLINE_MS) {
    await sleep(KILL_EVERY_MS);
    const done = !sending && [...confirmed].every((id) => tally.handled.has(id));
    if (done) break;
    const victim = workers.shift()!;
    await killChild(victim.child);
    killed++;
    const successor = await startWorker(url, QUEUE, LEASE_MS, tally);
    children.push(successor.child);
    workers.push(successor);
  }
  await sent;
  const lost = [...confirmed].filter((id) => !tally.handled.has(id));
  const errors = [...producerErrors, ...tally.backgroundErrors];
  console.log(
    `[sqlite fault] ${PRODUCERS * PER_PRODUCER} jobs from ${PRODUCERS} producer processes, ${confirmed.size} confirmed, ` +
      `${tally.handled.size} distinct handled by ${WORKERS} worker processes (${killed} SIGKILLed and replaced), ` +
      `${lost.length} lost, ${tally.duplicates} duplicate deliveries, ${tally.workerErrors.length} worker errors, ` +
      `${errors.length} background errors (${summary(errors)}), ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  expect(confirmed.size).toBe(PRODUCERS * PER_PRODUCER);
  expect(lost, 'confirmed jobs never handled').toEqual([]);
  expect(killed, 'workers were SIGKILLed mid-stream').toBeGreaterThan(0);
}, 90_000);
