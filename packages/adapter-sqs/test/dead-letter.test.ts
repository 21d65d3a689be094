import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Broker, connect, type Job, QueueNotFoundError } from '@polyqueue/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSqsDriver, nativeQueueName } from '../src/index.js';
import { type Emulator, startEmulator } from './emulator.js';

/**
 * What the conformance run must skip on SQS, checked here against the emulator:
 * - R5 with text bodies (SQS cannot carry the suite's non-UTF-8 body);
 * - redrive (Q2 is skipped for deviation 1): the copy loop with a limit, SQS's move task for all.
 */
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator('dlq');
});
afterAll(() => emulator.stop());
const brokers: Broker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

let counter = 0;
/** SQS actions the driver called, in order. */
const commands: string[] = [];
async function broker() {
  const client = new SQSClient({ endpoint: emulator.endpoint, region: 'us-east-1' });
  client.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize' },
  );
  const b = await connect({
    driver: createSqsDriver({ client, queuePrefix: emulator.prefix, waitTimeSeconds: 0 }),
  });
  brokers.push(b);
  return b;
}

async function until(what: string, predicate: () => boolean | Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('sqs dead letters on the emulator', () => {
  it('R5 (text bodies): a non-JSON body is dead-lettered with reason decode, a schema failure with validation', async () => {
    const b = await broker();
    const name = `r5-${++counter}`;
    const queue = b.queue(name, { schema: z.object({ name: z.string() }) });
    await queue.provision();
    const text = (body: string) => ({ body: new TextEncoder().encode(body), headers: {} });
    await emulator.publishNative(name, text('hello, I am not JSON'), false);
    await emulator.publishNative(name, text('{"name":42}'), false);
    await emulator.publishNative(name, text('{"name":"valid"}'), false);
    const handled: unknown[] = [];
    const worker = queue.process((job) => void handled.push(job.payload));
    await until('two dead letters', async () => (await queue.deadLetters.peek()).length >= 2);
    await until('the valid job', () => handled.length >= 1);
    const letters = await queue.deadLetters.peek();
    expect(letters.map((l) => [l.record?.reason, Buffer.from(l.body).toString()]).sort()).toEqual([
      ['decode', 'hello, I am not JSON'],
      ['validation', '{"name":42}'],
    ]);
    expect(handled).toEqual([{ name: 'valid' }]);
    expect(worker.isRunning).toBe(true);
  });

  it("R3 at the size limit: a foreign message exactly at the work queue's MaximumMessageSize, failing, reaches the dead-letter queue with its error", async () => {
    const b = await broker();
    const name = `size-${++counter}`;
    const queue = b.queue<{ pad: string }>(name, { maxAttempts: 1 });
    await queue.provision();
    const url = await emulator.queueUrl(nativeQueueName(emulator.prefix, name, false));
    const { Attributes = {} } = await emulator.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['MaximumMessageSize'] }),
    );
    const limit = Number(Attributes.MaximumMessageSize);
    const body = JSON.stringify({ pad: 'x'.repeat(limit - '{"pad":""}'.length) });
    expect(Buffer.byteLength(body)).toBe(limit);
    await emulator.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    let runs = 0;
    const worker = queue.process(() => {
      runs++;
      throw new TypeError('too big to fail quietly');
    });
    await until('the dead letter', async () => (await queue.deadLetters.peek()).length === 1);
    const [letter] = await queue.deadLetters.peek();
    expect(letter!.record).toMatchObject({
      reason: 'failed',
      errorName: 'TypeError',
      errorMessage: 'too big to fail quietly',
    });
    expect(letter!.body.length).toBe(limit);
    await worker.close();
    expect(runs).toBe(1);
  });

  it('with provision: false, peek of a missing queue throws QueueNotFoundError naming the dead-letter queue', async () => {
    const client = new SQSClient({ endpoint: emulator.endpoint, region: 'us-east-1' });
    const b = await connect({
      driver: createSqsDriver({ client, queuePrefix: emulator.prefix, waitTimeSeconds: 0 }),
      provision: false,
    });
    brokers.push(b);
    const name = `missing-${++counter}`;
    const error = await b
      .queue(name)
      .deadLetters.peek()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueNotFoundError);
    expect((error as QueueNotFoundError).queue).toBe(`${name}.dlq`);
    // The work queue exists, its dead-letter queue does not: the same answer, never [].
    await (await broker()).queue(name, { deadLetterQueue: `${name}.elsewhere` }).provision();
    await expect(b.queue(name).deadLetters.peek()).rejects.toBeInstanceOf(QueueNotFoundError);
  });

  it('redrive with a limit copies back exactly N; redrive of all uses the move task; attempts restart at 1', async () => {
    const b = await broker();
    const queue = b.queue<{ n: number }>(`q2-${++counter}`, { maxAttempts: 1 });
    let failing = true;
    const back: Job<{ n: number }>[] = [];
    const worker = queue.process(
      (job) => {
        if (failing) throw new Error('to the DLQ');
        back.push(job);
      },
      { concurrency: 4 },
    );
    const ids = new Set<string>();
    for (let n = 0; n < 5; n++) ids.add(await queue.send({ n }));
    await until('5 dead letters', async () => (await queue.deadLetters.peek()).length === 5);
    failing = false;
    commands.length = 0;
    expect(await queue.deadLetters.redrive({ limit: 2 })).toBe(2);
    expect(commands).not.toContain('StartMessageMoveTaskCommand');
    await until('2 jobs back', () => back.length === 2);
    expect(await queue.deadLetters.redrive()).toBe(3);
    expect(commands).toContain('StartMessageMoveTaskCommand');
    await until('5 jobs back', () => back.length === 5);
    // No extra copy anywhere, checked without a quiet period: once the worker has closed, every
    // job is either handled (in back) or still in the work queue.
    await worker.close();
    expect(back).toHaveLength(5);
    expect(await emulator.consumeNative(queue.name, false)).toBeUndefined();
    expect(new Set(back.map((j) => j.id))).toEqual(ids);
    expect(back.every((j) => j.attempt === 1)).toBe(true);
    expect(await queue.deadLetters.peek()).toEqual([]);
  });
});
