import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createSqsDriver } from '@polyqueue/adapter-sqs';
import { connect } from '@polyqueue/core';
import { createSqsServer } from 'local-aws-sqs';
import { Consumer } from 'sqs-consumer';
import { deferred, medianSeconds, nowNs, secondsSince } from '../measure.js';
import type { Row, Target } from '../report.js';
import type { Suite, SuiteOptions } from '../suite.js';
import { batch, payload } from '../workload.js';

/**
 * SQS on the local-aws-sqs emulator, in process: polyqueue against a raw SDK loop and against
 * sqs-consumer 14, all at the same concurrency (10: one receive's worth). The emulator scans its
 * whole queue on every poll, so runs are capped; its figures say nothing about AWS's.
 */
const CONCURRENCY = 10;
const MAX_JOBS = 5_000;
const EMULATOR_NOTE = 'local-aws-sqs emulator, not AWS';

async function withEmulator<R>(body: (client: SQSClient, endpoint: string) => Promise<R>): Promise<R> {
  const server = await createSqsServer({
    port: 0,
    hostname: '127.0.0.1',
    emulateQueueCreationLifecycle: false,
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  try {
    return await body(client, endpoint);
  } finally {
    client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function createQueue(client: SQSClient, name: string): Promise<string> {
  return (await client.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
}

/** Raw: SendMessageBatch of 10, one call at a time. */
async function rawSend(client: SQSClient, url: string, jobs: number): Promise<number> {
  const start = nowNs();
  for (let sent = 0; sent < jobs; sent += 10) {
    const entries = Array.from({ length: Math.min(10, jobs - sent) }, (_, i) => ({
      Id: String(i),
      MessageBody: JSON.stringify(payload(sent + i)),
    }));
    await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
  }
  return secondsSince(start);
}

/** Raw: receive 10, handle them at once, DeleteMessageBatch, repeat. */
async function rawProcess(client: SQSClient, url: string, jobs: number): Promise<number> {
  let handled = 0;
  const start = nowNs();
  while (handled < jobs) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: CONCURRENCY, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) continue;
    await Promise.all(Messages.map((m) => Promise.resolve(JSON.parse(m.Body ?? 'null'))));
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    handled += Messages.length;
  }
  return secondsSince(start);
}

async function consumerProcess(client: SQSClient, url: string, jobs: number): Promise<number> {
  const done = deferred();
  let handled = 0;
  const start = nowNs();
  const consumer = Consumer.create({
    queueUrl: url,
    sqs: client,
    batchSize: CONCURRENCY,
    waitTimeSeconds: 0,
    handleMessage: async (message) => {
      JSON.parse(message.Body ?? 'null');
      if (++handled === jobs) done.resolve();
      return message;
    },
  });
  consumer.start();
  await done.promise;
  const seconds = secondsSince(start);
  // Let its last deletes finish before the emulator goes away.
  await new Promise<void>((resolve) => {
    consumer.once('stopped', () => resolve());
    consumer.stop({ abort: false });
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  return seconds;
}

async function fillRaw(client: SQSClient, url: string, jobs: number) {
  await rawSend(client, url, jobs);
}

export const sqsSuite: Suite = {
  name: 'sqs',
  description: `the SQS adapter on the local-aws-sqs emulator (in process), against a raw SDK loop and sqs-consumer, c=${CONCURRENCY}`,
  async run(o: SuiteOptions): Promise<Row[]> {
    const jobs = Math.min(o.jobs, MAX_JOBS);
    const rows: Row[] = [];
    const add = (metric: string, subject: string, value: number, target?: Target, note = EMULATOR_NOTE) =>
      rows.push({
        suite: 'sqs',
        metric,
        subject,
        value,
        unit: 'jobs/s',
        note,
        ...(target ? { target } : {}),
      });
    const fresh = () => `pqb-${randomBytes(3).toString('hex')}`;
    o.log(`sqs: send and process ${jobs.toLocaleString('en-US')} jobs, ${o.repeats}x each (emulator)`);

    const rawSendS = await medianSeconds(o.repeats, () =>
      withEmulator(async (client) => rawSend(client, await createQueue(client, fresh()), jobs)),
    );
    const pqSendS = await medianSeconds(o.repeats, () =>
      withEmulator(async (client) => {
        const broker = await connect({ driver: createSqsDriver({ client, waitTimeSeconds: 0 }) });
        const queue = broker.queue(fresh());
        await queue.provision();
        const start = nowNs();
        for (let sent = 0; sent < jobs; sent += 10)
          await queue.sendBatch(batch(sent, Math.min(10, jobs - sent)));
        const seconds = secondsSince(start);
        await broker.close();
        return seconds;
      }),
    );
    const rawS = await medianSeconds(o.repeats, () =>
      withEmulator(async (client) => {
        const url = await createQueue(client, fresh());
        await fillRaw(client, url, jobs);
        return rawProcess(client, url, jobs);
      }),
    );
    const pqS = await medianSeconds(o.repeats, () =>
      withEmulator(async (client) => {
        const broker = await connect({ driver: createSqsDriver({ client, waitTimeSeconds: 0 }) });
        const name = fresh();
        const queue = broker.queue(name);
        await queue.provision();
        const url = (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
        await fillRaw(client, url, jobs);
        const done = deferred();
        let handled = 0;
        const start = nowNs();
        const worker = queue.process(
          async () => {
            if (++handled === jobs) done.resolve();
          },
          { concurrency: CONCURRENCY, prefetch: CONCURRENCY },
        );
        await done.promise;
        const seconds = secondsSince(start);
        await worker.close();
        await broker.close();
        return seconds;
      }),
    );
    const consumerS = await medianSeconds(o.repeats, () =>
      withEmulator(async (client) => {
        const url = await createQueue(client, fresh());
        await fillRaw(client, url, jobs);
        return consumerProcess(client, url, jobs);
      }),
    );
    add('send, batches of 10', 'raw SDK', jobs / rawSendS);
    add('send, batches of 10', 'polyqueue', jobs / pqSendS, {
      op: '>=',
      value: Math.round(0.9 * (jobs / rawSendS)),
    });
    const metric = `process, pre-filled, c=${CONCURRENCY}`;
    add(
      metric,
      'raw SDK',
      jobs / rawS,
      undefined,
      `${EMULATOR_NOTE}; receive 10, handle, DeleteMessageBatch`,
    );
    add(
      metric,
      'sqs-consumer 14',
      jobs / consumerS,
      undefined,
      `${EMULATOR_NOTE}; batchSize 10, handleMessage`,
    );
    add(metric, 'polyqueue', jobs / pqS, {
      op: '>=',
      value: Math.round(Math.max(0.9 * (jobs / rawS), jobs / consumerS)),
    });
    return rows;
  },
};
