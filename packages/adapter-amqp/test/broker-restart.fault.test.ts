import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type BatchItem, connect, isRetryable, type SendResult } from '@polyqueue/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deleteEntities, RABBITMQ_URL, rawConnection, runPrefix } from './rabbitmq.js';

/**
 * A broker restart in the middle of a stream of 10,000 jobs: every job is handled at least once,
 * none is lost, and the adapter recovers on its own (reconnect, redeclare, consume again). Sends
 * that fail during the outage must fail with a retryable error, and the producer retries them, as
 * an application would. Duplicates are allowed (at-least-once) and reported.
 */
const JOBS = 10_000;
const BATCH = 100;
const RESTART_AFTER = 3_000;
const MAX_BACKLOG = 1_000;
const DEADLINE_MS = 150_000;

const exec = promisify(execFile);
const prefix = runPrefix('fault');
const url = `${RABBITMQ_URL}?queue_prefix=${prefix}&connect_timeout_ms=20000`;

async function rabbitmqctl(...args: string[]): Promise<void> {
  await exec('rabbitmqctl', args, { timeout: 60_000 });
}

/** `-detached` returns before the node registers with epmd, so await_startup is retried. */
async function startRabbitMQ(): Promise<void> {
  await exec('rabbitmq-server', ['-detached'], { timeout: 30_000 });
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      await rabbitmqctl('-q', 'await_startup', '--timeout', '30');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Whatever happened, leave RabbitMQ running for whoever comes next. */
async function ensureRunning(): Promise<void> {
  try {
    await rabbitmqctl('-q', 'ping');
  } catch {
    await startRabbitMQ();
  }
}

beforeAll(async () => {
  await (await rawConnection()).close(); // fails loudly, naming the broker, if it is not there
});

afterAll(async () => {
  await ensureRunning();
  await deleteEntities(prefix);
}, 120_000);

it('a RabbitMQ restart mid-stream loses no job (10,000 jobs, at least once each)', async () => {
  const producer = await connect(url);
  const consumer = await connect(url);
  const handled = new Map<number, number>();
  let restarted = false;
  let retriedSends = 0;
  const workerErrors: string[] = [];
  try {
    const queue = producer.queue<{ n: number }>('stream', { maxAttempts: 25 });
    await queue.provision();
    const worker = consumer.queue<{ n: number }>('stream', { maxAttempts: 25 }).process(
      async (job) => {
        handled.set(job.payload.n, (handled.get(job.payload.n) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 2)); // keep the stream going past the restart
      },
      { concurrency: 16 },
    );
    worker.on('error', (error) => workerErrors.push(error.message));

    const restart = (async () => {
      while (handled.size < RESTART_AFTER) await new Promise((resolve) => setTimeout(resolve, 20));
      await rabbitmqctl('stop');
      await exec('epmd', ['-kill']).catch(() => undefined);
      await startRabbitMQ();
      restarted = true;
    })();

    // The producer: batches of 100, resending what failed with a retryable error. It keeps the
    // backlog under MAX_BACKLOG jobs, so that it is still sending when RabbitMQ goes down.
    for (let start = 0; start < JOBS; start += BATCH) {
      while (start - handled.size > MAX_BACKLOG) await new Promise((resolve) => setTimeout(resolve, 5));
      let pending: BatchItem<{ n: number }>[] = Array.from({ length: BATCH }, (_, i) => ({
        payload: { n: start + i },
      }));
      while (pending.length > 0) {
        let results: SendResult[];
        try {
          results = await queue.sendBatch(pending);
        } catch (error) {
          expect(
            isRetryable(error),
            `a whole batch failed with a non-retryable error: ${String(error)}`,
          ).toBe(true);
          retriedSends += pending.length;
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        const failed = pending.filter((_, i) => !results[i]!.ok);
        for (const result of results) {
          if (!result.ok) expect(isRetryable(result.error), String(result.error)).toBe(true);
        }
        retriedSends += failed.length;
        pending = failed;
        if (failed.length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    await restart;
    const deadline = Date.now() + DEADLINE_MS;
    while (handled.size < JOBS && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const missing = JOBS - handled.size;
    const duplicates = [...handled.values()].reduce((sum, count) => sum + count - 1, 0);
    console.log(
      `amqp fault test: ${JOBS} jobs, RabbitMQ restarted after ${RESTART_AFTER} were handled; ` +
        `${handled.size} handled, ${missing} missing, ${duplicates} duplicates, ${retriedSends} sends retried, ` +
        `${workerErrors.length} worker errors reported`,
    );
    expect(restarted).toBe(true);
    expect(missing, 'jobs lost').toBe(0);
  } finally {
    await Promise.allSettled([producer.close({ timeoutMs: 5_000 }), consumer.close({ timeoutMs: 5_000 })]);
    await ensureRunning();
  }
}, 240_000);
