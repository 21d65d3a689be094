import { connect, QueueNotFoundError } from '@polyqueue/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PrivateNatsServer } from './private-nats-server.js';

// A server of its own: with provisioning off nothing is created, and nothing else is there.
let server: PrivateNatsServer;

beforeAll(async () => {
  server = await PrivateNatsServer.start();
});

afterAll(async () => {
  await server?.stop();
});

it('with provision: false, the dead letters of a queue that does not exist are QueueNotFoundError, as on RabbitMQ', async () => {
  const broker = await connect(server.url, { provision: false });
  try {
    const queue = broker.queue('never-declared');
    await expect(queue.deadLetters.peek()).rejects.toBeInstanceOf(QueueNotFoundError);
    await expect(queue.deadLetters.redrive()).rejects.toBeInstanceOf(QueueNotFoundError);
    await expect(queue.deadLetters.purge()).rejects.toBeInstanceOf(QueueNotFoundError);
  } finally {
    await broker.close();
  }
});
