import { randomBytes } from 'node:crypto';
import type { PubSub } from '@google-cloud/pubsub';
import { type Broker, connect, type Job, UnrecoverableError } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPushHandler, type PushRequestBody } from '../src/push/index.js';
import { deleteProject, PSTEST_HOST, pullOne, requirePstest } from './pstest.js';

await requirePstest();

const project = `pqp-${randomBytes(4).toString('hex')}`;
let broker: Broker;

beforeAll(async () => {
  broker = await connect(`pubsub://${project}?emulator_host=${PSTEST_HOST}&min_lease_ms=1000`);
});

afterAll(async () => {
  await broker?.close();
  await deleteProject(project);
}, 60_000);

/** The wrapped body Pub/Sub POSTs, for a message as it sits on the work subscription. */
function pushBody(
  message: { data: Buffer; attributes: Record<string, string> },
  extra: { deliveryAttempt?: number; messageId?: string } = {},
): PushRequestBody & { message: { message_id: string; publish_time: string } } {
  const messageId = extra.messageId ?? String(10_000_000_000_000 + Math.floor(Math.random() * 1e9));
  const publishTime = new Date().toISOString();
  return {
    message: {
      data: message.data.toString('base64'),
      attributes: message.attributes,
      messageId,
      message_id: messageId,
      publishTime,
      publish_time: publishTime,
    },
    subscription: `projects/${project}/subscriptions/push-endpoint`,
    ...(extra.deliveryAttempt !== undefined ? { deliveryAttempt: extra.deliveryAttempt } : {}),
  };
}

/** Sends a job with polyqueue and takes it off the work subscription as Pub/Sub would push it. */
async function sentAndPulled(queueName: string, payload: unknown, attributes: Record<string, string> = {}) {
  const queue = broker.queue(queueName, { maxAttempts: 3 });
  const id = await queue.send(payload, { attributes });
  const message = await pullOne(broker.native<PubSub>(), queueName);
  if (!message) throw new Error('the job did not reach the work subscription');
  return { id, message };
}

function queueName(label: string): string {
  return `push-${label}-${randomBytes(3).toString('hex')}`;
}

describe('pubsub push handler', () => {
  it('runs the handler on a pushed job and answers 204 (ack)', async () => {
    const name = queueName('ok');
    const { id, message } = await sentAndPulled(name, { to: 'a@b.c', n: [1, 'é'] }, { tenant: 't1' });
    const seen: Job<unknown>[] = [];
    const handler = createPushHandler(broker.queue(name, { maxAttempts: 3 }), async (job) => {
      seen.push(job);
    });
    const response = await handler.handle(JSON.stringify(pushBody(message)));
    expect(response).toEqual({ status: 204, outcome: 'completed' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      id,
      payload: { to: 'a@b.c', n: [1, 'é'] },
      attempt: 1,
      attributes: { tenant: 't1' },
    });
  });

  it('answers 503 (nack) for a failed attempt, counting attempts from deliveryAttempt', async () => {
    const name = queueName('retry');
    const { message } = await sentAndPulled(name, { fail: true });
    const attempts: number[] = [];
    const handler = createPushHandler(broker.queue(name, { maxAttempts: 3 }), async (job) => {
      attempts.push(job.attempt);
      throw new Error('not yet');
    });
    const response = await handler.handle(pushBody(message, { deliveryAttempt: 2 }));
    expect(response).toEqual({ status: 503, outcome: 'retrying' });
    expect(attempts).toEqual([2]);
    expect(await broker.queue(name).deadLetters.peek(10)).toEqual([]);
  });

  it('dead-letters at maxAttempts (by deliveryAttempt) with the error metadata, and acks', async () => {
    const name = queueName('dlq');
    const { id, message } = await sentAndPulled(name, { fail: 'always' }, { tenant: 't2' });
    const queue = broker.queue(name, { maxAttempts: 3 });
    const handler = createPushHandler(queue, async () => {
      throw new TypeError('still broken');
    });
    const response = await handler.handle(pushBody(message, { deliveryAttempt: 3 }));
    expect(response).toEqual({ status: 204, outcome: 'dead-lettered' });
    const [letter] = await queue.deadLetters.peek(10);
    expect(letter).toMatchObject({
      id,
      payload: { fail: 'always' },
      attributes: { tenant: 't2' },
      record: {
        reason: 'failed',
        errorName: 'TypeError',
        errorMessage: 'still broken',
        attempts: 3,
        sourceQueue: name,
      },
    });
  });

  it("dead-letters to the queue's own dead-letter queue, not a guessed <queue>.dlq", async () => {
    const name = queueName('own-dlq');
    const deadLetterQueue = `${name}-failed`;
    const queue = broker.queue(name, { maxAttempts: 1, deadLetterQueue });
    await queue.send({ fail: 'always' });
    const message = await pullOne(broker.native<PubSub>(), name);
    if (!message) throw new Error('the job did not reach the work subscription');
    const handler = createPushHandler(queue, async () => {
      throw new Error('broken');
    });
    expect(await handler.handle(pushBody(message))).toEqual({ status: 204, outcome: 'dead-lettered' });
    expect(await queue.deadLetters.peek(10)).toHaveLength(1);
    expect(await pullOne(broker.native<PubSub>(), deadLetterQueue)).toBeDefined();
  });

  it('refuses a queue of another broker, naming the driver it needs', async () => {
    const memory = await connect('memory://');
    try {
      expect(() => createPushHandler(memory.queue('x'), async () => undefined)).toThrow(
        /memory broker; this needs a PubSubDriver/,
      );
    } finally {
      await memory.close();
    }
  });

  it('dead-letters an UnrecoverableError on the first attempt', async () => {
    const name = queueName('unrecoverable');
    const { message } = await sentAndPulled(name, { bad: true });
    const queue = broker.queue(name, { maxAttempts: 3 });
    const handler = createPushHandler(queue, async () => {
      throw new UnrecoverableError('never');
    });
    expect(await handler.handle(pushBody(message))).toEqual({ status: 204, outcome: 'dead-lettered' });
    const [letter] = await queue.deadLetters.peek(10);
    expect(letter?.record?.reason).toBe('unrecoverable');
  });

  it('dead-letters a pushed message whose data is not JSON (reason decode), without running the handler', async () => {
    const name = queueName('decode');
    const queue = broker.queue(name, { maxAttempts: 3 });
    await queue.provision();
    let ran = false;
    const handler = createPushHandler(queue, async () => {
      ran = true;
    });
    const foreign = { data: Buffer.from([0xff, 0x00, 0x7b]), attributes: { source: 'legacy' } };
    const response = await handler.handle(pushBody(foreign, { messageId: '4242' }));
    expect(response).toEqual({ status: 204, outcome: 'dead-lettered' });
    expect(ran).toBe(false);
    const [letter] = await queue.deadLetters.peek(10);
    expect(letter).toMatchObject({
      id: '4242',
      attributes: { source: 'legacy' },
      record: { reason: 'decode' },
    });
  });

  it('runs a foreign producer message (no polyqueue attributes) as attempt 1 with its message id', async () => {
    const name = queueName('foreign');
    const queue = broker.queue(name, { maxAttempts: 3 });
    await queue.provision();
    const seen: Job<unknown>[] = [];
    const handler = createPushHandler(queue, async (job) => {
      seen.push(job);
    });
    const body = pushBody({ data: Buffer.from('{"plain":true}'), attributes: {} }, { messageId: '777' });
    expect(await handler.handle(Buffer.from(JSON.stringify(body)))).toEqual({
      status: 204,
      outcome: 'completed',
    });
    expect(seen[0]).toMatchObject({ id: '777', payload: { plain: true }, attempt: 1, attributes: {} });
  });

  it('dead-letters a body that is not a push request and acks it, so it cannot loop', async () => {
    const name = queueName('garbage');
    const queue = broker.queue(name, { maxAttempts: 3 });
    await queue.provision();
    const handler = createPushHandler(queue, async () => {
      throw new Error('must not run');
    });
    expect(await handler.handle('this is not json')).toEqual({ status: 204, outcome: 'rejected' });
    expect(await handler.handle({ subscription: 'projects/p/subscriptions/s' })).toEqual({
      status: 204,
      outcome: 'rejected',
    });
    const letters = await queue.deadLetters.peek(10);
    expect(letters.map((letter) => letter.record?.reason)).toEqual(['decode', 'decode']);
    expect(letters.map((letter) => letter.record?.errorMessage).sort()).toEqual([
      'Not a Pub/Sub push request: the request body has no "message" object',
      'Not a Pub/Sub push request: the request body is not JSON',
    ]);
  });

  it('answers 500 when a dead letter cannot be published, so Pub/Sub pushes it again', async () => {
    const name = queueName('nodlq'); // never provisioned: the dead-letter topic does not exist
    const handler = createPushHandler(broker.queue(name, { maxAttempts: 1 }), async () => {
      throw new Error('fails');
    });
    const errors: Error[] = [];
    handler.events.on('error', (error) => errors.push(error));
    const body = pushBody({ data: Buffer.from('{}'), attributes: {} });
    expect(await handler.handle(body)).toEqual({ status: 500, outcome: 'unsettled' });
    expect(errors.map((error) => error.name)).toEqual(['QueueNotFoundError']);
  });
});
