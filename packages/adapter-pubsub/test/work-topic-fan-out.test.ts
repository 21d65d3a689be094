import { randomBytes } from 'node:crypto';
import type { PubSub } from '@google-cloud/pubsub';
import { connect } from '@polyqueue/core';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteProject, PSTEST_HOST, pullOne, requirePstest } from './pstest.js';

await requirePstest();

const project = `pqf-${randomBytes(4).toString('hex')}`;
const url = `pubsub://${project}?emulator_host=${PSTEST_HOST}&min_lease_ms=1000`;

const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('pubsub on pstest: the work topic carries only what producers send', () => {
  it('another subscription of the work topic sees a job once through an immediate retry, a delayed retry, a dead letter and a redrive', async () => {
    const broker = await connect(url);
    try {
      // Attempt 1 retries at once (ready topic), attempt 2 after 300 ms (delay path, forwarder, ready topic).
      const queue = broker.queue<{ n: number }>('fan-out', {
        maxAttempts: 3,
        leaseMs: 2_000,
        backoff: (attempt) => (attempt === 1 ? 0 : 300),
      });
      await queue.provision();
      // An observer of the queue's topic (options as the adapter's: pstest hangs on a subscription
      // created without an expiration policy).
      await broker
        .native<PubSub>()
        .topic('fan-out')
        .createSubscription('fan-out-audit', { ackDeadlineSeconds: 10, expirationPolicy: {} });
      const id = await queue.send({ n: 1 });

      const attempts: number[] = [];
      let deadLettered = 0;
      const failing = queue.process(async (job) => {
        attempts.push(job.attempt);
        throw new Error('not yet');
      });
      failing.on('dead-lettered', () => deadLettered++);
      await until('the job to be dead-lettered', () => deadLettered === 1);
      await failing.close();
      expect(attempts).toEqual([1, 2, 3]);

      expect(await queue.deadLetters.redrive()).toBe(1);
      const handled: { id: string; attempt: number }[] = [];
      const succeeding = queue.process(async (job) => {
        handled.push({ id: job.id, attempt: job.attempt });
      });
      await until('the redriven job', () => handled.length === 1);
      await succeeding.close();
      expect(handled).toEqual([{ id, attempt: 1 }]);

      const pubsub = broker.native<PubSub>();
      const seen = await pullOne(pubsub, 'fan-out-audit');
      expect(seen?.attributes['pq-id']).toBe(id);
      expect(await pullOne(pubsub, 'fan-out-audit', 10)).toBeUndefined();
    } finally {
      await broker.close();
    }
  }, 60_000);
});

afterAll(() => deleteProject(project), 60_000);
