import type { Broker, Job } from '@polyqueue/core';
import { simulateCrash } from '@polyqueue/core/testing';
import { describe, expect, it } from 'vitest';
import { fakeHarness } from './fake-harness.js';

const BACKOFF_MS = 60_000;
/** Virtual ms per poll while waiting: the fake's timers (lock checks, receive waits) fire on the way. */
const STEP_MS = 100;

/**
 * A session queue's retry waits out its backoff in whichever worker holds the session next. The
 * old code kept the backoff only in the parking process's memory: a graceful close abandoned the
 * parked message at once, and the next worker ran it right away.
 */
describe('servicebus session retries (fake namespace, virtual clock)', () => {
  const harness = fakeHarness({ sessions: true });
  const { sleep, now } = harness.time!; // the fake harness always runs on its virtual clock

  async function until(what: string, done: () => boolean, maxMs: number): Promise<void> {
    const deadline = now() + maxMs;
    while (!done()) {
      if (now() >= deadline) throw new Error(`timed out after ${maxMs} virtual ms waiting for ${what}`);
      await sleep(STEP_MS);
    }
  }

  /** Closes while time moves: closing may wait on the fake's timers (a receive's long poll). */
  async function closeWhileTicking(broker: Broker): Promise<void> {
    let closed = false;
    const closing = broker.close().finally(() => {
      closed = true;
    });
    await until('the broker to close', () => closed, 120_000);
    await closing;
  }

  it.each([
    ['a graceful close', 'graceful'],
    ['a crash (abandon)', 'abandon'],
  ] as const)(
    'a retry pending its backoff across %s is not delivered before the backoff ends',
    async (_, mode) => {
      const queueName = `retry-${mode}`;
      const policy = { maxAttempts: 5, backoff: { type: 'fixed', delayMs: BACKOFF_MS } } as const;
      const first = await harness.connect();
      const queue = first.queue<{ n: number }>(queueName, policy);
      await queue.provision();
      let failedAt: number | undefined;
      let retried = false;
      const worker = queue.process(async () => {
        failedAt = now();
        throw new Error('first attempt fails');
      });
      worker.on('retrying', () => {
        retried = true;
      });
      await queue.send({ n: 1 }, { orderingKey: 'k' });
      await until('the first attempt to fail and its retry to be parked', () => retried, 30_000);
      await sleep(STEP_MS); // well inside the backoff
      if (mode === 'graceful') await closeWhileTicking(first);
      else await simulateCrash(first);

      const second = await harness.connect();
      const starts: { at: number; attempt: number }[] = [];
      second.queue<{ n: number }>(queueName, policy).process(async (job: Job<{ n: number }>) => {
        starts.push({ at: now(), attempt: job.attempt });
      });
      await until('the retry to run', () => starts.length > 0, BACKOFF_MS * 3);
      expect(starts[0]!.attempt).toBe(2);
      expect(starts[0]!.at).toBeGreaterThanOrEqual(failedAt! + BACKOFF_MS);
      await closeWhileTicking(second);
    },
  );
});
