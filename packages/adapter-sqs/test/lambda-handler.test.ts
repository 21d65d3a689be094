import {
  type ChangeMessageVisibilityRequest,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type Broker, ConfigError, connect, type Job, QueueNotFoundError } from '@polyqueue/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSqsDriver, nativeQueueName } from '../src/index.js';
import { createSqsLambdaHandler } from '../src/lambda/index.js';
import { type Emulator, startEmulator } from './emulator.js';
import { lambdaEvent } from './lambda-event.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator('lambda');
});
afterAll(() => emulator.stop());

const brokers: Broker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

let counter = 0;
/** What the handler asked of SQS through the setUp client, in order. */
const visibilityChanges: ChangeMessageVisibilityRequest[] = [];
const deletes: unknown[] = [];
/** A broker of its own, with a client that records what the handler asks of SQS. */
async function setUp(fifo: boolean, maxAttempts = 3) {
  const client = new SQSClient({ endpoint: emulator.endpoint, region: 'us-east-1' });
  visibilityChanges.length = 0;
  deletes.length = 0;
  client.middlewareStack.add(
    (next, context) => (args) => {
      const input = args.input as ChangeMessageVisibilityRequest;
      if (context.commandName === 'ChangeMessageVisibilityCommand') visibilityChanges.push(input);
      if (String(context.commandName).startsWith('DeleteMessage')) deletes.push(input);
      return next(args);
    },
    { step: 'initialize' },
  );
  const broker = await connect({
    driver: createSqsDriver({ client, fifo, queuePrefix: emulator.prefix, waitTimeSeconds: 0 }),
  });
  brokers.push(broker);
  const name = `lambda-${++counter}`;
  const queue = broker.queue<{ n: number; fail?: boolean; group?: string }>(name, {
    maxAttempts,
    backoff: { type: 'fixed', delayMs: 2_000 },
    leaseMs: 5_000,
  });
  await queue.provision();
  const url = await emulator.queueUrl(nativeQueueName(emulator.prefix, name, fifo));
  return { broker, queue, url, client };
}

const failing = (job: Job<{ fail?: boolean }>) => {
  if (job.payload.fail) throw new Error(`job ${job.id} fails`);
};

describe('Lambda handler: the queue alone', () => {
  it('refuses a queue of a broker that is not on SQS, naming both', async () => {
    const broker = await connect('memory://');
    brokers.push(broker);
    const queue = broker.queue('not-sqs');
    expect(() => createSqsLambdaHandler(queue, () => undefined)).toThrow(ConfigError);
    expect(() => createSqsLambdaHandler(queue, () => undefined)).toThrow(/memory.*SqsDriver/);
  });
});

describe('Lambda handler on a standard queue', () => {
  it('reports no failures when every record succeeds', async () => {
    const { queue, url, client } = await setUp(false);
    for (let n = 0; n < 3; n++) await queue.send({ n }, { attributes: { tenant: 't1' } });
    const seen: Job<{ n: number }>[] = [];
    const handler = createSqsLambdaHandler(queue, (job) => void seen.push(job));
    const event = await lambdaEvent(client, url, 3);
    expect(event.Records).toHaveLength(3);
    await expect(handler(event)).resolves.toEqual({ batchItemFailures: [] });
    expect(seen.map((job) => job.payload.n).sort()).toEqual([0, 1, 2]);
    expect(seen.every((job) => job.attempt === 1 && job.attributes.tenant === 't1')).toBe(true);
  });

  it('reports every record when all fail, each hidden for its backoff', async () => {
    const { queue, url, client } = await setUp(false);
    for (let n = 0; n < 3; n++) await queue.send({ n, fail: true });
    const handler = createSqsLambdaHandler(queue, failing);
    const event = await lambdaEvent(client, url, 3);
    const result = await handler(event);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      event.Records.map((r) => r.messageId).sort(),
    );
    // Hidden for the backoff (2 s), not the 5 s lease: asked of SQS once per record, none deleted
    // (what SQS then does with a visibility timeout is SQS's part, not timed here).
    const hidden = visibilityChanges.filter((input) => input.QueueUrl === url);
    expect(hidden.map((input) => input.VisibilityTimeout)).toEqual([2, 2, 2]);
    expect(hidden.map((input) => input.ReceiptHandle).sort()).toEqual(
      event.Records.map((r) => r.receiptHandle).sort(),
    );
    expect(deletes).toEqual([]);
  });

  it('reports exactly the failed records of a mixed batch', async () => {
    const { queue, url, client } = await setUp(false);
    for (let n = 0; n < 6; n++) await queue.send({ n, fail: n % 2 === 1 });
    const handler = createSqsLambdaHandler(queue, failing);
    const event = await lambdaEvent(client, url, 6);
    const result = await handler(event);
    const failedIds = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
    const expected = event.Records.filter((r) => JSON.parse(r.body).fail).map((r) => r.messageId);
    expect([...failedIds].sort()).toEqual(expected.sort());
    expect(failedIds.size).toBe(3);
  });

  it('dead-letters at maxAttempts with error metadata and reports it as a success', async () => {
    const { queue, url, client } = await setUp(false, 1);
    const id = await queue.send({ n: 1, fail: true }, { attributes: { tenant: 't9' } });
    const handler = createSqsLambdaHandler(queue, failing);
    await expect(handler(await lambdaEvent(client, url, 1))).resolves.toEqual({ batchItemFailures: [] });
    const [letter] = await queue.deadLetters.peek();
    expect(letter?.id).toBe(id);
    expect(letter?.attributes).toEqual({ tenant: 't9' });
    expect(letter?.record).toMatchObject({ reason: 'failed', errorMessage: `job ${id} fails`, attempts: 1 });
  });

  it('dead-letters an undecodable record (R5) and reports it as a success', async () => {
    const { queue, url, client } = await setUp(false);
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'not json at all' }));
    const handler = createSqsLambdaHandler(queue, () => undefined);
    await expect(handler(await lambdaEvent(client, url, 1))).resolves.toEqual({ batchItemFailures: [] });
    const [letter] = await queue.deadLetters.peek();
    expect(letter?.record?.reason).toBe('decode');
    expect(Buffer.from(letter!.body).toString()).toBe('not json at all');
  });

  it('runs records concurrently, up to the limit', async () => {
    const { queue, url, client } = await setUp(false);
    for (let n = 0; n < 8; n++) await queue.send({ n });
    let active = 0;
    let peak = 0;
    const handler = createSqsLambdaHandler(
      queue,
      async () => {
        peak = Math.max(peak, ++active);
        await new Promise((r) => setTimeout(r, 50));
        active--;
      },
      { concurrency: 3 },
    );
    await handler(await lambdaEvent(client, url, 8));
    expect(peak).toBe(3);
  });
});

describe('Lambda handler with provision: false', () => {
  /** Queues made by infrastructure code (here a provisioning broker); the function does not provision. */
  async function infraAndFunction(name: string, options: { maxAttempts: number; deadLetterQueue: string }) {
    const infra = await connect({
      driver: createSqsDriver({ client: emulator.client, queuePrefix: emulator.prefix, waitTimeSeconds: 0 }),
    });
    brokers.push(infra);
    await infra.queue(name, options).provision();
    const client = new SQSClient({ endpoint: emulator.endpoint, region: 'us-east-1' });
    const broker = await connect({
      driver: createSqsDriver({ client, queuePrefix: emulator.prefix, waitTimeSeconds: 0 }),
      provision: false,
    });
    brokers.push(broker);
    const queue = broker.queue<{ n: number; fail?: boolean }>(name, options);
    const url = await emulator.queueUrl(nativeQueueName(emulator.prefix, name, false));
    // Jobs come from elsewhere: the function's broker never sends (which would show it the queue).
    const producer = infra.queue<{ n: number; fail?: boolean }>(name, options);
    return { infra, broker, queue, producer, client, url };
  }

  it("dead-letters to the queue's own deadLetterQueue, where deadLetters finds it", async () => {
    const name = `lambda-np-${++counter}`;
    const { queue, producer, client, url } = await infraAndFunction(name, {
      maxAttempts: 1,
      deadLetterQueue: `${name}.failed`,
    });
    const id = await producer.send({ n: 1, fail: true });
    const handler = createSqsLambdaHandler(queue, failing);
    await expect(handler(await lambdaEvent(client, url, 1))).resolves.toEqual({ batchItemFailures: [] });
    const [letter] = await queue.deadLetters.peek();
    expect(letter?.id).toBe(id);
    expect(letter?.record?.reason).toBe('failed');
  });

  it('never writes to <name>_dlq when such a queue happens to exist', async () => {
    const name = `lambda-np-${++counter}`;
    const { infra, queue, producer, client, url } = await infraAndFunction(name, {
      maxAttempts: 1,
      deadLetterQueue: `${name}.failed`,
    });
    // The queue a made-up default dead-letter name would map to.
    await infra.queue(`${name}.dlq`).provision();
    const decoy = await emulator.queueUrl(nativeQueueName(emulator.prefix, `${name}.dlq`, false));
    const id = await producer.send({ n: 1, fail: true });
    const handler = createSqsLambdaHandler(queue, failing);
    await expect(handler(await lambdaEvent(client, url, 1))).resolves.toEqual({ batchItemFailures: [] });
    expect((await queue.deadLetters.peek()).map((letter) => letter.id)).toEqual([id]);
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: decoy, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    expect(Messages).toEqual([]);
  });

  it('a missing dead-letter queue fails the invocation naming that queue, not the work queue', async () => {
    const name = `lambda-np-${++counter}`;
    const { client, url, producer } = await infraAndFunction(name, {
      maxAttempts: 1,
      deadLetterQueue: `${name}.failed`,
    });
    const broker = await connect({
      driver: createSqsDriver({ client, queuePrefix: emulator.prefix, waitTimeSeconds: 0 }),
      provision: false,
    });
    brokers.push(broker);
    const queue = broker.queue<{ n: number; fail?: boolean }>(name, {
      maxAttempts: 1,
      deadLetterQueue: `${name}.missing`,
    });
    await producer.send({ n: 1, fail: true });
    const handler = createSqsLambdaHandler(queue, failing);
    const error = await handler(await lambdaEvent(client, url, 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueNotFoundError);
    expect((error as QueueNotFoundError).queue).toBe(`${name}.missing`);
  });
});

describe('Lambda handler on a FIFO queue', () => {
  it('after a failure, reports it and every later record as failed without running them', async () => {
    const { queue, url, client } = await setUp(true);
    for (let n = 0; n < 5; n++)
      await queue.send({ n, fail: n === 2 }, { orderingKey: n % 2 === 0 ? 'a' : 'b' });
    const ran: number[] = [];
    const handler = createSqsLambdaHandler(queue, (job) => {
      ran.push(job.payload.n);
      failing(job);
    });
    const event = await lambdaEvent(client, url, 5);
    expect(event.Records.map((r) => JSON.parse(r.body).n)).toEqual([0, 1, 2, 3, 4]);
    const result = await handler(event);
    expect(ran).toEqual([0, 1, 2]);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.slice(2).map((r) => r.messageId),
    );
  });

  it("with fifoFailureScope 'group', skips only the failed record's group", async () => {
    const { queue, url, client } = await setUp(true);
    for (let n = 0; n < 5; n++)
      await queue.send({ n, fail: n === 2 }, { orderingKey: n % 2 === 0 ? 'a' : 'b' });
    const ran: number[] = [];
    const handler = createSqsLambdaHandler(
      queue,
      (job) => {
        ran.push(job.payload.n);
        failing(job);
      },
      { fifoFailureScope: 'group' },
    );
    const event = await lambdaEvent(client, url, 5);
    const result = await handler(event);
    expect(ran).toEqual([0, 1, 2, 3]);
    const byN = (n: number) => event.Records.find((r) => JSON.parse(r.body).n === n)!.messageId;
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([byN(2), byN(4)]);
  });

  it('reports no failures when every record succeeds, and all when all fail', async () => {
    const { queue, url, client } = await setUp(true);
    for (let n = 0; n < 3; n++) await queue.send({ n }, { orderingKey: 'k' });
    const ok = createSqsLambdaHandler(queue, () => undefined);
    await expect(ok(await lambdaEvent(client, url, 3))).resolves.toEqual({ batchItemFailures: [] });
    const second = await setUp(true);
    for (let n = 0; n < 3; n++) await second.queue.send({ n, fail: true }, { orderingKey: 'k' });
    const bad = createSqsLambdaHandler(second.queue, failing);
    const event = await lambdaEvent(second.client, second.url, 3);
    const result = await bad(event);
    expect(result.batchItemFailures).toHaveLength(3);
  });
});
