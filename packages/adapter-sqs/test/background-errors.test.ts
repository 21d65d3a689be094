import { type BackgroundErrorInfo, type BrokerError, connect, ErrorCode } from '@polyqueue/core';
import { expect, it } from 'vitest';
import { createSqsDriver } from '../src/index.js';
import { FakeSqs } from './fake-sqs.js';

async function until(what: string, predicate: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

it("a failing delay queue is reported on the broker's 'error' event while the work queue keeps flowing", async () => {
  const fake = new FakeSqs();
  const broker = await connect({
    driver: createSqsDriver({ api: fake.api, queuePrefix: 'p-', waitTimeSeconds: 0 }),
  });
  const reports: { error: BrokerError; info: BackgroundErrorInfo }[] = [];
  broker.on('error', (error, info) => reports.push({ error, info }));
  const queue = broker.queue<{ n: number }>('work');
  await queue.provision();
  fake.failReceives.add('p-work_pq_delay');
  const handled: number[] = [];
  const workerErrors: Error[] = [];
  const worker = queue.process((job) => void handled.push(job.payload.n));
  worker.on('error', (error) => workerErrors.push(error));
  try {
    await until('the forwarder error', () => reports.length > 0);
    expect(reports[0]!.info).toEqual({ action: 'forward-pull', queue: 'work' });
    expect(reports[0]!.error.code).toBe(ErrorCode.Unavailable);
    // The delay queue is still failing: jobs on the work queue are handled all the same.
    for (let n = 0; n < 3; n++) await queue.send({ n });
    await until('3 jobs', () => handled.length === 3);
    expect(workerErrors).toEqual([]);
  } finally {
    await broker.close();
  }
});
