import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createPushHandler } from '@polyqueue/adapter-pubsub/push';
import { connect, type Job } from '@polyqueue/core';
import { afterAll, describe, expect, it } from 'vitest';
import { pushServer } from '../src/server.js';

process.env.METADATA_SERVER_DETECTION ??= 'none';

// Against the Pub/Sub fake (scripts/services.sh up pstest): only dead letters touch the broker.
const broker = await connect(`pubsub://pqx-${randomBytes(4).toString('hex')}?emulator_host=127.0.0.1:8085`);
const queue = broker.queue<{ to: string }>('emails', { maxAttempts: 2 });
const seen: Job<{ to: string }>[] = [];
const handler = createPushHandler(queue, async (job) => {
  if (job.payload.to === 'fail') throw new Error('mailbox busy');
  seen.push(job);
});
const server = pushServer(handler).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await broker.close();
});

function push(payload: unknown, deliveryAttempt?: number) {
  const body = {
    message: {
      data: Buffer.from(JSON.stringify(payload)).toString('base64'),
      attributes: { 'pq-id': 'job-1', 'pq-enqueued-at': '1893456000000' },
      messageId: '2070443601311540',
      publishTime: '2026-11-24T19:00:00.123Z',
    },
    subscription: 'projects/p/subscriptions/emails-push',
    ...(deliveryAttempt !== undefined ? { deliveryAttempt } : {}),
  };
  return fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('pubsub push example server', () => {
  it('acknowledges a handled job with a 2xx status', async () => {
    const response = await push({ to: 'a@b.c' });
    expect(response.status).toBe(204);
    expect(seen.map((job) => [job.id, job.payload.to, job.attempt])).toEqual([['job-1', 'a@b.c', 1]]);
  });

  it('nacks a failed attempt with a non-2xx status', async () => {
    const response = await push({ to: 'fail' }, 1);
    expect(response.status).toBe(503);
  });

  it('refuses other methods', async () => {
    expect((await fetch(endpoint)).status).toBe(405);
  });
});
