import { type BatchItem, connect, isRetryable, type SendResult } from '@polyqueue/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PrivateRabbitMQ, startPrivateRabbitMQ } from '../../../test/support/private-rabbitmq.js';
import { recordingLogger } from '../../../test/support/recording-logger.js';
import { runPrefix } from './rabbitmq.js';

/**
 * A broker restart in the middle of a stream of 10,000 jobs: every job is handled at least once,
 * none is lost, and the adapter recovers on its own (reconnect, redeclare, consume again). Sends
 * that fail during the outage must fail with a retryable error, and the producer retries them, as
 * an application would. Duplicates are allowed (at-least-once) and reported.
 *
 * The broker is a private RabbitMQ node started for this file (its own ports, data and PID), so
 * the restart never touches the developer's RabbitMQ.
 */
const JOBS = 10_000;
const BATCH = 100;
const RESTART_AFTER = 3_000;
const MAX_BACKLOG = 1_000;
const DEADLINE_MS = 150_000;

const prefix = runPrefix('fault');
let rabbit: PrivateRabbitMQ;
let url: string;

beforeAll(async () => {
  rabbit = await startPrivateRabbitMQ();
  url = `${rabbit.url}?queue_prefix=${prefix}&connect_timeout_ms=20000`;
}, 120_000);

afterAll(async () => {
  await rabbit?.dispose();
}, 60_000);

it('a RabbitMQ restart mid-stream loses no job (10,000 jobs, at least once each)', async () => {
  // Reconnect failures during the restart go to the logger: counted and reported, not printed.
  const { logger, logged } = recordingLogger();
  const producer = await connect(url, { logger });
  const consumer = await connect(url, { logger });
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
      await rabbit.restart();
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
        `${workerErrors.length} worker errors reported, ${logged.warnings} warnings and ${logged.errors.length} errors logged; ` +
        `private node starts took ${rabbit.startTimesMs.join(', ')} ms`,
    );
    expect(restarted).toBe(true);
    expect(missing, 'jobs lost').toBe(0);
  } finally {
    await Promise.allSettled([producer.close({ timeoutMs: 5_000 }), consumer.close({ timeoutMs: 5_000 })]);
  }
}, 240_000);
