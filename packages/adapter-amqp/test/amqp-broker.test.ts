import { createServer } from 'node:net';
import {
  type Broker,
  connect,
  ErrorCode,
  isRetryable,
  PolyqueueError,
  QueueNotFoundError,
} from '@polyqueue/core';
import { simulateCrash } from '@polyqueue/core/testing';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteEntities, RABBITMQ_URL, rawConnection, runPrefix } from './rabbitmq.js';

/**
 * The adapter against the shared RabbitMQ, where a fake cannot stand in: what the broker itself
 * holds after a graceful close (checked from a fresh connection, never from the closing one's
 * events), and the codes of connect-time errors.
 */
const prefix = runPrefix('broker');
let raw: ChannelModel;

beforeAll(async () => {
  raw = await rawConnection();
});

afterAll(async () => {
  await raw?.close().catch(() => undefined);
  await deleteEntities(prefix);
}, 120_000);

/** What RabbitMQ holds in a queue, seen from the raw connection: ids of ready messages, unacked. */
async function readyIds(
  nativeQueue: string,
): Promise<{ count: number; ids: string[]; redelivered: boolean[] }> {
  const channel = await raw.createChannel();
  try {
    const { messageCount } = await channel.checkQueue(nativeQueue);
    const ids: string[] = [];
    const redelivered: boolean[] = [];
    for (let message = await channel.get(nativeQueue); message; message = await channel.get(nativeQueue)) {
      ids.push(String(message.properties.headers?.['pq-id'] ?? message.properties.messageId));
      redelivered.push(message.fields.redelivered);
    }
    return { count: messageCount, ids, redelivered };
  } finally {
    await channel.close(); // gives back what it took: this is a look, not a consume
  }
}

describe.each(['quorum', 'classic'] as const)('graceful close on %s queues', (queueType) => {
  for (const closing of ['worker.close()', 'broker.close()'] as const) {
    it(`${closing} while a job runs: RabbitMQ no longer holds the completed job, and still holds the unstarted one`, async () => {
      const name = `close-${queueType}-${closing.startsWith('worker') ? 'w' : 'b'}`;
      const url = `${RABBITMQ_URL}?queue_prefix=${prefix}&delay_levels=4&queue_type=${queueType}`;
      const broker: Broker = await connect(url);
      try {
        const queue = broker.queue<{ n: number }>(name);
        const running = await queue.send({ n: 1 });
        const unstarted = await queue.send({ n: 2 });
        let started!: () => void;
        const startedRunning = new Promise<void>((resolve) => {
          started = resolve;
        });
        let finish!: () => void;
        const finished = new Promise<void>((resolve) => {
          finish = resolve;
        });
        const completed: string[] = [];
        // Concurrency 1 and prefetch 1: the second job waits in the worker, unstarted.
        const worker = queue.process(
          async () => {
            started();
            await finished;
          },
          { concurrency: 1, prefetch: 1 },
        );
        worker.on('completed', (job) => completed.push(job.id));
        await startedRunning;
        const closed = closing === 'worker.close()' ? worker.close() : broker.close();
        finish();
        await closed;
        // A process may exit as soon as worker.close() resolves: its connection then just drops.
        if (closing === 'worker.close()') await simulateCrash(broker);
        expect(completed).toEqual([running]);
        // A fresh connection sees what RabbitMQ holds once close() has resolved.
        const held = await readyIds(prefix + name);
        expect(held.ids).toEqual([unstarted]);
        expect(held.count).toBe(1);
      } finally {
        await broker.close();
      }
    });
  }
});

describe('connect-time errors', () => {
  it('a wrong password is PermissionDenied (403 ACCESS_REFUSED), not retryable', async () => {
    const wrong = new URL(RABBITMQ_URL);
    wrong.password = 'not-the-password';
    const failure = await connect(wrong.href).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PolyqueueError);
    expect((failure as PolyqueueError).code).toBe(ErrorCode.PermissionDenied);
    expect(isRetryable(failure)).toBe(false);
    expect(String((failure as Error).message)).not.toContain('not-the-password');
  });

  it('a port nobody listens on is Unavailable, retryable', async () => {
    const port = await closedPort();
    const failure = await connect(`amqp://guest:guest@127.0.0.1:${port}`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failure as PolyqueueError).code).toBe(ErrorCode.Unavailable);
    expect(isRetryable(failure)).toBe(true);
  });
});

describe('dead-letter queue without provisioning', () => {
  it('peek of a dead-letter queue that does not exist throws QueueNotFoundError', async () => {
    const broker = await connect(`${RABBITMQ_URL}?queue_prefix=${prefix}`, { provision: false });
    try {
      const peeking = broker.queue('never-declared').deadLetters.peek(10);
      await expect(peeking).rejects.toBeInstanceOf(QueueNotFoundError);
    } finally {
      await broker.close();
    }
  });
});

/** A loopback port the OS just handed out and took back: nothing listens there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
