import { randomBytes } from 'node:crypto';
import type { PubSub } from '@google-cloud/pubsub';
import { connect, type Job } from '@polyqueue/core';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteProject, PSTEST_HOST, requirePstest } from './pstest.js';

await requirePstest();

const project = `pqt-${randomBytes(4).toString('hex')}`;
afterAll(() => deleteProject(project));

describe('pubsub on pstest: the publish time the SDK decodes', () => {
  it("is a foreign message's enqueuedAt once retried: the broker's int64 seconds, read as milliseconds", async () => {
    const broker = await connect(`pubsub://${project}?emulator_host=${PSTEST_HOST}`);
    try {
      const queue = broker.queue<{ n: number }>('foreign', { backoff: () => 0 });
      await queue.provision();
      const seen: Job<{ n: number }>[] = [];
      const worker = queue.process(async (job) => {
        seen.push(job);
        if (job.attempt === 1) throw new Error('once');
      });
      // Published natively, without polyqueue's headers: its first enqueue time is the broker's.
      const before = Date.now();
      await broker
        .native<PubSub>()
        .topic('foreign')
        .publishMessage({ data: Buffer.from('{"n":1}') });
      const after = Date.now();
      const deadline = Date.now() + 20_000;
      while (seen.length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await worker.close();
      expect(seen.map((job) => job.attempt)).toEqual([1, 2]);
      // pstest stamps publish times from the same clock; its precision is sub-second.
      const enqueuedAt = seen[1]!.enqueuedAt.getTime();
      expect(enqueuedAt).toBeGreaterThanOrEqual(before - 1_000);
      expect(enqueuedAt).toBeLessThanOrEqual(after + 1_000);
    } finally {
      await broker.close();
    }
  });
});
